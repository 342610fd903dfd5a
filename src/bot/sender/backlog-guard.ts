import type { Kysely } from "kysely";
import {
  backlogSummaryState,
  channelsWithBacklog,
  heldByReason,
  holdCard,
  rebalanceBacklog,
  setBacklogSummary,
} from "../../db/card-backlog.repository.js";
import type { Database } from "../../db/schema.js";
import { type RenderedBacklogSummary, renderBacklogSummary } from "../views/backlog-summary.js";
import { cardHash } from "../views/card-hash.js";

/**
 * The backlog guard (design §5): a first install can find thousands of open actions, and a thousand cards help
 * nobody. At most `limit` cards of unresolved actions are in a channel or on their way; the rest are held (the
 * outbox keeps them) and one summary message says how many wait, by reason. As earlier actions resolve, the
 * oldest held cards are released. The decision lives here alone and is only taken by the Slack sender under the
 * channel's lease, so replicas never post past the limit.
 */

export interface DesiredSummary {
  rendered: RenderedBacklogSummary;
  hash: string;
  /** The summary message already in the channel, if any. */
  ts: string | null;
}

export interface BacklogGuard {
  /**
   * Holds and releases cards (oldest first); returns how many changed side and the room left for new posts
   * (`limit` minus unresolved cards already in Slack). Call under the channel's lease.
   */
  rebalance(channel: string): Promise<{ changed: number; room: number }>;
  /** Holds one card that arrived after the last rebalance while the channel is full. */
  hold(pendingActionId: string): Promise<void>;
  /** The summary as it should read now, when Slack does not show that yet. */
  desiredSummary(channel: string): Promise<DesiredSummary | undefined>;
  recordSummary(channel: string, summary: { ts: string | null; hash: string | null }): Promise<void>;
  /** Channels to look at even with no card due (held cards, a summary not yet showing "cleared"). */
  channelsToCheck(): Promise<string[]>;
}

export function createBacklogGuard(db: Kysely<Database>, limit: number): BacklogGuard {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`backlog limit must be ≥ 1, got ${limit}`);
  const cleared = cardHash(renderBacklogSummary({ waitingByReason: {}, limit }));
  return {
    rebalance: (channel) => rebalanceBacklog(db, channel, limit),
    hold: (pendingActionId) => holdCard(db, pendingActionId),
    async desiredSummary(channel) {
      const [waiting, shown] = await Promise.all([
        heldByReason(db, channel),
        backlogSummaryState(db, channel),
      ]);
      const total = Object.values(waiting).reduce((sum, n) => sum + n, 0);
      // No backlog and no summary in the channel: nothing to say.
      if (total === 0 && !shown.ts) return undefined;
      const rendered = renderBacklogSummary({ waitingByReason: waiting, limit });
      const hash = cardHash(rendered);
      return hash === shown.hash ? undefined : { rendered, hash, ts: shown.ts };
    },
    recordSummary: (channel, summary) => setBacklogSummary(db, channel, summary),
    channelsToCheck: () => channelsWithBacklog(db, cleared),
  };
}
