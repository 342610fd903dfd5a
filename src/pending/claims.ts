import { findPendingAction, unclaimPendingAction } from "../db/pending-actions.repository.js";
import type { PendingActionRow } from "../db/schema.js";
import { type ResolveOutcome, refused } from "./outcomes.js";
import { refreshActionFromPeeker } from "./refresh-from-peeker.js";
import { type Actor, flowReader, publishChange, type ResolveDeps, refusalOf } from "./resolution.js";
import { audited } from "./resolution-audit.js";
import { claimCard } from "./resolution-claim.js";

/**
 * The buttons every card has (design §1): *Claim*, *Unclaim*, *Refresh*. Claiming is for operators; a card
 * claimed by someone else is refused with who has it. The claimer or any operator may unclaim. Refresh is a
 * read and open to everyone in the channel.
 */

export function pressClaim(deps: ResolveDeps, actor: Actor): Promise<ResolveOutcome<PendingActionRow>> {
  return audited(deps, actor, "click.claim", {}, async () => {
    if (!(await deps.isOperator(actor.userId))) return refused({ kind: "not_operator" });
    const row = await findPendingAction(deps.db, actor.pendingActionId);
    if (!row) return refused({ kind: "not_found" });
    if (row.state === "resolved") return refused({ kind: "resolved", how: row.resolution ?? undefined });
    if (row.claimed_by === actor.userId) return { kind: "done", result: row };
    if (row.claimed_by) return refused({ kind: "claimed", by: row.claimed_by });
    const claimed = await claimCard(deps, actor);
    return "refusal" in claimed ? refused(claimed.refusal) : { kind: "done", result: claimed.row };
  });
}

export function pressUnclaim(deps: ResolveDeps, actor: Actor): Promise<ResolveOutcome<PendingActionRow>> {
  return audited(deps, actor, "click.unclaim", {}, async () => {
    const row = await findPendingAction(deps.db, actor.pendingActionId);
    if (!row) return refused({ kind: "not_found" });
    if (row.state === "resolved") return refused({ kind: "resolved", how: row.resolution ?? undefined });
    const previous = row.claimed_by;
    if (!previous) return refused({ kind: "not_claimed" });
    // The claimer may always let go; anyone else must be an operator.
    if (previous !== actor.userId && !(await deps.isOperator(actor.userId))) {
      return refused({ kind: "not_operator" });
    }
    const updated = await deps.db.transaction().execute(async (trx) => {
      const next = await unclaimPendingAction(trx, { id: row.id, expectedClaimer: previous });
      if (next) {
        await publishChange(
          trx,
          deps,
          next,
          { kind: "unclaimed", by: actor.userId, previousClaimer: previous },
          "action.unclaimed",
          actor.userId,
          { previous_claimer: previous },
        );
      }
      return next;
    });
    deps.wakeSender();
    if (updated) return { kind: "done", result: updated };
    const now = await findPendingAction(deps.db, row.id);
    return refused(refusalOf(now, actor.userId) ?? { kind: "not_claimed" });
  });
}

/** Re-reads the resource (the card follows whatever Peeker says now) and reports the row afterwards. */
export function pressRefresh(deps: ResolveDeps, actor: Actor): Promise<ResolveOutcome<PendingActionRow>> {
  return audited(deps, actor, "click.refresh", {}, async () => {
    const row = await findPendingAction(deps.db, actor.pendingActionId);
    if (!row) return refused({ kind: "not_found" });
    if (row.state === "resolved") return { kind: "done", result: row };
    const after = await refreshActionFromPeeker(
      deps,
      flowReader(deps.peeker),
      row,
      `slack:${actor.userId}:refresh`,
    );
    // The card may not have changed at all; publishing again is harmless (same hash, nothing is sent).
    await deps.db.transaction().execute((trx) => deps.publisher.publish(trx, after));
    deps.wakeSender();
    return { kind: "done", result: after };
  });
}
