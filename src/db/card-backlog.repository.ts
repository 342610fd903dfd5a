import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * The backlog guard's queries (design §5): at most `limit` cards of unresolved actions out, or on their way, per
 * channel.
 */

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Holds and releases the channel's cards so that at most `limit` cards of unresolved actions are out or due:
 * cards already in Slack (or whose post may have landed) count first, then the oldest actions; every other
 * unposted card of an unresolved action is held. A held card whose action resolves stays held and is never
 * posted. Call it under the channel's sender lease, so replicas never disagree. Returns how many cards changed
 * side, and the room left: `limit` minus the unresolved cards already in Slack.
 */
export async function rebalanceBacklog(
  db: Db,
  channel: string,
  limit: number,
): Promise<{ changed: number; room: number }> {
  const result = await sql<{ changed: string; posted: string }>`
    WITH ranked AS (
      SELECT c.pending_action_id,
             (c.ts IS NULL AND c.state <> 'posting') AS unposted,
             row_number() OVER (ORDER BY (c.ts IS NULL AND c.state <> 'posting'), p.opened_at, p.id) AS rank
        FROM slack_cards c JOIN pending_actions p ON p.id = c.pending_action_id
       WHERE c.channel = ${channel} AND p.state <> 'resolved'
    ), changed AS (
      UPDATE slack_cards c
         SET held = (r.unposted AND r.rank > ${limit})
        FROM ranked r
       WHERE c.pending_action_id = r.pending_action_id
         AND c.held IS DISTINCT FROM (r.unposted AND r.rank > ${limit})
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM changed) AS changed,
           (SELECT count(*) FROM ranked WHERE NOT unposted) AS posted`.execute(db);
  const row = result.rows[0];
  return { changed: Number(row?.changed ?? 0), room: limit - Number(row?.posted ?? 0) };
}

/** Holds one unposted card (it arrived after the last rebalance, and the channel is full). */
export async function holdCard(db: Db, pendingActionId: string): Promise<void> {
  await db
    .updateTable("slack_cards")
    .set({ held: true })
    .where("pending_action_id", "=", pendingActionId)
    .where("ts", "is", null)
    .where("state", "!=", "posting")
    .execute();
}

/** Held cards of unresolved actions, by reason: what the backlog summary names. */
export async function heldByReason(db: Db, channel: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("slack_cards as c")
    .innerJoin("pending_actions as p", "p.id", "c.pending_action_id")
    .select(["p.reason", (eb) => eb.fn.countAll<string>().as("n")])
    .where("c.channel", "=", channel)
    .where("c.held", "=", true)
    .where("p.state", "!=", "resolved")
    .groupBy("p.reason")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}

export async function backlogSummaryState(
  db: Db,
  channel: string,
): Promise<{ ts: string | null; hash: string | null }> {
  const row = await db
    .selectFrom("slack_channels")
    .select(["backlog_summary_ts", "backlog_summary_hash"])
    .where("channel", "=", channel)
    .executeTakeFirst();
  return { ts: row?.backlog_summary_ts ?? null, hash: row?.backlog_summary_hash ?? null };
}

/** Records the summary message as Slack now shows it (`ts` null: gone, post a new one next time). */
export async function setBacklogSummary(
  db: Db,
  channel: string,
  summary: { ts: string | null; hash: string | null },
): Promise<void> {
  await db
    .updateTable("slack_channels")
    .set({ backlog_summary_ts: summary.ts, backlog_summary_hash: summary.hash })
    .where("channel", "=", channel)
    .execute();
}

/**
 * Channels whose backlog may need a look without any card being due: some cards are held (one may be releasable
 * now, or the summary's counts stale), or the summary does not show the cleared state yet.
 */
export async function channelsWithBacklog(db: Db, clearedHash: string): Promise<string[]> {
  const result = await sql<{ channel: string }>`
    SELECT DISTINCT c.channel FROM slack_cards c JOIN pending_actions p ON p.id = c.pending_action_id
     WHERE c.held AND p.state <> 'resolved'
    UNION
    SELECT channel FROM slack_channels
     WHERE backlog_summary_ts IS NOT NULL AND backlog_summary_hash IS DISTINCT FROM ${clearedHash}`.execute(
    db,
  );
  return result.rows.map((r) => r.channel);
}
