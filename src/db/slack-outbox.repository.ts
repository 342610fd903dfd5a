import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, SlackCardRow } from "./schema.js";

/**
 * The Slack outbox (design §4): what is due to be sent, per channel. Its parts live beside it: card delivery
 * (slack-cards.repository.ts), thread lines (thread-lines.repository.ts), channel leases and pacing
 * (slack-channels.repository.ts) and the backlog guard (card-backlog.repository.ts).
 */

// Callers outside the Slack sender (the digest job, `npm run reconcile`) keep importing these from the outbox.
export { unsentCardsSince } from "./slack-cards.repository.js";
export { acquireChannelLease, afterChannelSend, releaseChannelLease } from "./slack-channels.repository.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Channels with something due: a card whose posted render differs from the desired one, or a thread line. */
export async function channelsWithWork(db: Db): Promise<string[]> {
  const result = await sql<{ channel: string }>`
    SELECT channel FROM slack_cards
     WHERE posted_hash IS DISTINCT FROM desired_hash AND NOT held AND next_attempt_at <= now()
    UNION
    SELECT l.channel FROM thread_lines l JOIN slack_cards c ON c.pending_action_id = l.pending_action_id
     WHERE l.state <> 'sent' AND l.next_attempt_at <= now() AND c.ts IS NOT NULL`.execute(db);
  return result.rows.map((r) => r.channel);
}

export type OutboxItem =
  | { kind: "card"; card: SlackCardRow; cardKey: string; actionState: string }
  | {
      kind: "line";
      line: { id: string; pending_action_id: string; text: string; state: string; attempts: number };
      threadTs: string;
    };

/**
 * The channel's oldest due changes, at most `limit`, oldest first: card renders, and thread lines whose card is
 * already posted. Fetched a few at a time so a burst costs one query per few messages, not two per message.
 */
export async function nextOutboxItems(db: Db, channel: string, limit: number): Promise<OutboxItem[]> {
  const cards = await db
    .selectFrom("slack_cards as c")
    .innerJoin("pending_actions as p", "p.id", "c.pending_action_id")
    .selectAll("c")
    .select(["p.card_key", "p.state as action_state"])
    .where("c.channel", "=", channel)
    .where(sql<boolean>`c.posted_hash IS DISTINCT FROM c.desired_hash`)
    .where("c.held", "=", false)
    .where("c.next_attempt_at", "<=", sql<Date>`now()`)
    .orderBy("c.updated_at")
    .limit(limit)
    .execute();
  const lines = await db
    .selectFrom("thread_lines as l")
    .innerJoin("slack_cards as c", "c.pending_action_id", "l.pending_action_id")
    .select(["l.id", "l.pending_action_id", "l.text", "l.state", "l.attempts", "l.created_at", "c.ts"])
    .where("l.channel", "=", channel)
    .where("l.state", "!=", "sent")
    .where("l.next_attempt_at", "<=", sql<Date>`now()`)
    .where("c.ts", "is not", null)
    .orderBy("l.id")
    .limit(limit)
    .execute();
  const items: OutboxItem[] = [];
  let c = 0;
  let l = 0;
  while (items.length < limit) {
    const card = cards[c];
    const line = lines[l];
    if (card && (!line || card.updated_at <= line.created_at)) {
      const { card_key, action_state, ...row } = card;
      items.push({ kind: "card", card: row, cardKey: card_key, actionState: action_state });
      c++;
    } else if (line?.ts) {
      items.push({ kind: "line", line, threadTs: line.ts });
      l++;
    } else break;
  }
  return items;
}
