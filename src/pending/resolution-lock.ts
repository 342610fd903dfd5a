import { recordIntentRow } from "../db/intents.repository.js";
import { findPendingAction, lockForResolution, releaseResolution } from "../db/pending-actions.repository.js";
import type { PendingActionRow } from "../db/schema.js";
import { INTENT_OWNER } from "./intents.js";
import type { Refusal, ResolveOutcome } from "./outcomes.js";
import { type Actor, publishChange, type ResolveDeps, refusalOf } from "./resolution.js";

/**
 * Step 2 of a resolution flow (src/pending/resolution.ts): the `open` → `resolving` lock a submit holds while it
 * talks to Peeker, and its release. Its own step because the lock is the first intent (crash safety starts here)
 * and every exit of a submit that did not get its write accepted must release it.
 */

/** `open` → `resolving` from submit on; refused with who holds it when someone else was first. */
export async function lock(
  deps: ResolveDeps,
  actor: Actor,
  row: PendingActionRow,
  note: string,
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  const locked = await deps.db.transaction().execute(async (trx) => {
    const updated = await lockForResolution(trx, {
      id: row.id,
      version: row.version,
      userId: actor.userId,
      now: deps.clock.now(),
      note,
    });
    if (!updated) return undefined;
    // The lock is the first intent: a process that dies before any Peeker write leaves it for the sweeper.
    const held = await recordIntentRow(trx, {
      id: updated.id,
      userId: actor.userId,
      kind: "lock",
      payload: { note },
      owner: INTENT_OWNER,
      now: deps.clock.now(),
    });
    await publishChange(trx, deps, held ?? updated, undefined, "action.locked", actor.userId, { note });
    return held ?? updated;
  });
  if (locked) {
    deps.wakeSender();
    return { row: locked };
  }
  const now = await findPendingAction(deps.db, row.id);
  return { refusal: refusalOf(now, actor.userId) ?? { kind: "resolving", by: "someone" } };
}

/** Back to `open` (Peeker refused, or the input was wrong); a no-op if the lock is no longer ours. */
export async function release(deps: ResolveDeps, actor: Actor, why: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await releaseResolution(trx, { id: actor.pendingActionId, userId: actor.userId });
    if (row) await publishChange(trx, deps, row, undefined, "action.released", actor.userId, { why });
  });
  deps.wakeSender();
}

/** Releases the lock, then hands back `outcome`: how a submit ends when Peeker took no write. */
export async function releaseWith<T>(
  deps: ResolveDeps,
  actor: Actor,
  outcome: ResolveOutcome<T>,
  why: string,
): Promise<ResolveOutcome<T>> {
  await release(deps, actor, why);
  return outcome;
}
