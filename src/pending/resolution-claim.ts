import { claimPendingAction, findPendingAction } from "../db/pending-actions.repository.js";
import type { PendingActionRow } from "../db/schema.js";
import type { Refusal } from "./outcomes.js";
import { type Actor, publishChange, type ResolveDeps, refusalOf } from "./resolution.js";

/**
 * Step 1 of a resolution flow (src/pending/resolution.ts): the claim. Its own step because every resolving button
 * and submit starts with it, and the *Claim* button (src/pending/claims.ts) uses the claim alone.
 */

/**
 * The checks before a resolving button or submit does anything: operator, the row exists and is open, not
 * claimed by someone else. With `claim`, an unclaimed card is claimed for the presser (race-safe: two people
 * pressing at once get one claimer, and the other is told who).
 */
export async function claimForResolution(
  deps: ResolveDeps,
  actor: Actor,
  options: { claim: boolean; reason?: string },
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  if (!(await deps.isOperator(actor.userId))) return { refusal: { kind: "not_operator" } };
  const row = await findPendingAction(deps.db, actor.pendingActionId);
  const refusal = refusalOf(row, actor.userId);
  if (refusal || !row) return { refusal: refusal ?? { kind: "not_found" } };
  if (options.reason && row.reason !== options.reason) {
    return { refusal: { kind: "wrong_reason", reason: row.reason } };
  }
  if (!options.claim || row.claimed_by === actor.userId) return { row };
  const claimed = await claimCard(deps, actor);
  if ("refusal" in claimed) return claimed;
  return { row: claimed.row };
}

/** Claims for `actor`; the card and thread say so. Refused with who has it when someone was first. */
export async function claimCard(
  deps: ResolveDeps,
  actor: Actor,
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  const claimed = await deps.db.transaction().execute(async (trx) => {
    const row = await claimPendingAction(trx, {
      id: actor.pendingActionId,
      userId: actor.userId,
      now: deps.clock.now(),
    });
    if (!row) return undefined;
    await publishChange(
      trx,
      deps,
      row,
      { kind: "claimed", by: actor.userId },
      "action.claimed",
      actor.userId,
    );
    return row;
  });
  if (claimed) {
    deps.wakeSender();
    return { row: claimed };
  }
  const now = await findPendingAction(deps.db, actor.pendingActionId);
  if (now?.claimed_by === actor.userId) return { row: now };
  return { refusal: refusalOf(now, actor.userId) ?? { kind: "not_found" } };
}
