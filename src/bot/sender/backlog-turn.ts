import type { OutboxItem } from "../../db/slack-outbox.repository.js";
import type { BacklogGuard, DesiredSummary } from "./backlog-guard.js";
import type { Outcome } from "./slack-call.js";

/**
 * The backlog guard's bookkeeping for one lease of one channel (design §5). `room` is how many more cards of
 * unresolved actions may go out. It is counted under the lease, so only this sender spends it, and a card queued
 * a moment ago cannot slip past the limit. Rebalance (hold the excess, release the oldest) when the lease
 * starts, after an edit (a resolution frees a place) and whenever the room runs out; look at the summary once
 * per lease and whenever the balance moved.
 */

/** `rebalance`: not now, the room is to be counted again first; `held`: held back, and the batch is stale. */
export type Admission = "send" | "rebalance" | "held";

export interface BacklogTurn {
  /** Rebalances when due; true when it did, so a fetched batch is dropped (a fetched card may be held now). */
  rebalanceIfDue(): Promise<boolean>;
  /** The summary to send now: due, and not what Slack shows. */
  dueSummary(): Promise<DesiredSummary | undefined>;
  /** A rate-limited summary is due again on the next pass (after the channel's wait) or the next lease. */
  summarySent(outcome: Outcome): void;
  /** Whether a due item may go out now. */
  admit(item: OutboxItem): Promise<Admission>;
  itemSent(item: OutboxItem): void;
}

/** Without a guard every item goes out and there is no summary. */
const UNGUARDED: BacklogTurn = {
  rebalanceIfDue: async () => false,
  dueSummary: async () => undefined,
  summarySent: () => {},
  admit: async () => "send",
  itemSent: () => {},
};

export function startBacklogTurn(guard: BacklogGuard | undefined, channel: string): BacklogTurn {
  if (!guard) return UNGUARDED;
  let room = 0;
  let rebalanceDue = true;
  let justRebalanced = false;
  let summaryDue = true;
  return {
    async rebalanceIfDue() {
      if (!rebalanceDue) return false;
      rebalanceDue = false;
      justRebalanced = true;
      const balance = await guard.rebalance(channel);
      room = balance.room;
      if (balance.changed > 0) summaryDue = true;
      return true;
    },
    async dueSummary() {
      const summary = summaryDue ? await guard.desiredSummary(channel) : undefined;
      summaryDue = false;
      return summary;
    },
    summarySent(outcome) {
      if (outcome.kind === "rate_limited") summaryDue = true;
    },
    async admit(item) {
      // Only a first post of an unresolved action's card takes room; edits, lines and resolved cards go out.
      const firstPost = item.kind === "card" && !item.card.ts && item.card.state !== "posting";
      if (item.kind !== "card" || !firstPost || item.actionState === "resolved") return "send";
      if (room <= 0 && !justRebalanced) {
        rebalanceDue = true;
        return "rebalance";
      }
      if (room <= 0) {
        // Queued after the rebalance while the channel is full: held like the rest.
        await guard.hold(item.card.pending_action_id);
        summaryDue = true;
        return "held";
      }
      room--;
      return "send";
    },
    itemSent(item) {
      justRebalanced = false;
      if (item.kind === "card" && item.card.ts) rebalanceDue = true;
    },
  };
}
