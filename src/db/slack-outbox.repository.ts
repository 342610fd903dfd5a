import { type Kysely, type QueryCreator, sql, type Transaction } from "kysely";
import type { Database, SlackCardRow } from "./schema.js";

/** The Slack outbox (design §4): desired card renders, thread lines, and per-channel leases and pacing. */

type Db = Kysely<Database> | Transaction<Database>;

export interface DesiredCard {
  pendingActionId: string;
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: Record<string, unknown>;
  hash: string;
}

/** Records what the card should look like now; an unchanged render writes nothing, a changed one wakes the sender. */
export async function upsertDesiredCard(db: Db, card: DesiredCard): Promise<void> {
  await db
    .insertInto("slack_cards")
    .values({
      pending_action_id: card.pendingActionId,
      channel: card.channel,
      desired_text: card.text,
      desired_blocks: JSON.stringify(card.blocks),
      desired_metadata: JSON.stringify(card.metadata),
      desired_hash: card.hash,
    })
    .onConflict((oc) =>
      oc
        .column("pending_action_id")
        .doUpdateSet({
          desired_text: (eb) => eb.ref("excluded.desired_text"),
          desired_blocks: (eb) => eb.ref("excluded.desired_blocks"),
          desired_metadata: (eb) => eb.ref("excluded.desired_metadata"),
          desired_hash: (eb) => eb.ref("excluded.desired_hash"),
          desired_version: sql`slack_cards.desired_version + 1`,
          next_attempt_at: sql`least(slack_cards.next_attempt_at, now())`,
          updated_at: sql`now()`,
        })
        .where("slack_cards.desired_hash", "!=", (eb) => eb.ref("excluded.desired_hash")),
    )
    .execute();
}

export async function queueThreadLine(
  db: Db,
  line: { pendingActionId: string; channel: string; text: string },
) {
  await db
    .insertInto("thread_lines")
    .values({ pending_action_id: line.pendingActionId, channel: line.channel, text: line.text })
    .execute();
}

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

/**
 * Takes the channel's sender lease when free or expired (one replica sends to a channel at a time, so posts are
 * paced and ordered across replicas). Returns how long until the next send is allowed (ms, database clock), or
 * undefined if another replica holds the lease.
 */
export async function acquireChannelLease(
  db: Db,
  channel: string,
  workerId: string,
  leaseSeconds: number,
): Promise<{ waitMs: number } | undefined> {
  await db
    .insertInto("slack_channels")
    .values({ channel })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await db
    .updateTable("slack_channels")
    .set({ locked_by: workerId, locked_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where("channel", "=", channel)
    .where((eb) =>
      eb.or([
        eb("locked_until", "is", null),
        eb("locked_until", "<", sql<Date>`now()`),
        eb("locked_by", "=", workerId),
      ]),
    )
    .returning(
      sql<number>`greatest(0, extract(epoch FROM next_send_at - now()) * 1000)::float8`.as("wait_ms"),
    )
    .executeTakeFirst();
  return row ? { waitMs: row.wait_ms } : undefined;
}

export async function releaseChannelLease(db: Db, channel: string, workerId: string): Promise<void> {
  await db
    .updateTable("slack_channels")
    .set({ locked_by: null, locked_until: null })
    .where("channel", "=", channel)
    .where("locked_by", "=", workerId)
    .execute();
}

/** A send that succeeded, recorded in the same statement as the channel's pacing (one round trip per message). */
export type SentMark =
  | { kind: "card"; id: string; ts: string; hash: string | null }
  | { kind: "line"; id: string; ts: string };

/**
 * Pacing after a send: the next call to the channel waits `gapMs` (Slack's Retry-After after a 429). A 429 also
 * puts the channel in paced mode (`pacedGapMs` between sends) for `pacedForMs`. Returns how long to wait, ms,
 * measured on the database's clock so replicas with skewed clocks agree; undefined when the lease was lost.
 * `sent` (the message just sent) is marked in the same statement, lease or not: Slack has it either way, and one
 * round trip instead of two is what lets one channel's sender keep up with a burst of cards (issue #14).
 */
export async function afterChannelSend(
  db: Db,
  channel: string,
  workerId: string,
  options: { retryAfterMs?: number; pacedGapMs: number; pacedForMs: number; sent?: SentMark },
): Promise<number | undefined> {
  const retryAfter = options.retryAfterMs;
  const { sent } = options;
  // A data-modifying WITH runs whatever the main statement matches. The statement never reads `sent`, so typing
  // the creator as the plain one loses nothing.
  const creator = sent
    ? (db.with("sent", (qc) => sentUpdate(qc, sent)) as unknown as QueryCreator<Database>)
    : db;
  const row = await creator
    .updateTable("slack_channels")
    .set({
      paced_until:
        retryAfter === undefined
          ? sql`paced_until`
          : sql`now() + make_interval(secs => ${(retryAfter + options.pacedForMs) / 1000})`,
      next_send_at:
        retryAfter === undefined
          ? sql`now() + CASE WHEN paced_until > now() THEN make_interval(secs => ${options.pacedGapMs / 1000})
                             ELSE interval '0' END`
          : sql`now() + make_interval(secs => ${retryAfter / 1000})`,
      locked_until: sql`greatest(locked_until, now() + interval '30 seconds')`,
      updated_at: sql`now()`,
    })
    .where("channel", "=", channel)
    .where("locked_by", "=", workerId)
    .returning(
      sql<number>`greatest(0, extract(epoch FROM next_send_at - now()) * 1000)::float8`.as("wait_ms"),
    )
    .executeTakeFirst();
  return row?.wait_ms;
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

/**
 * Before a first post: the card is `posting` until Slack's answer arrives. A retry of a post whose outcome stayed
 * unknown keeps the series' first attempt time, so the lookup window covers every attempt.
 */
export async function markCardPosting(db: Db, id: string): Promise<void> {
  await db
    .updateTable("slack_cards")
    .set({
      state: "posting",
      post_attempted_at: sql`CASE WHEN state = 'posting' AND post_attempted_at IS NOT NULL
                                  THEN post_attempted_at ELSE now() END`,
    })
    .where("pending_action_id", "=", id)
    .execute();
}

/** Marks what Slack has: a card (posted, edited, or found by its metadata) or a thread line. */
function sentUpdate(db: QueryCreator<Database>, sent: SentMark) {
  return sent.kind === "card"
    ? cardSent(db, sent.id, sent.ts, sent.hash).returning(sql<number>`1`.as("marked"))
    : lineSent(db, sent.id, sent.ts).returning(sql<number>`1`.as("marked"));
}

function cardSent(db: QueryCreator<Database>, id: string, ts: string, hash: string | null) {
  return db
    .updateTable("slack_cards")
    .set({
      ts,
      posted_hash: hash,
      posted_at: sql`now()`,
      state: "posted",
      attempts: 0,
      last_error: null,
      post_attempted_at: null,
    })
    .where("pending_action_id", "=", id);
}

/** A post whose outcome is known to have failed goes back to `to_post`; an unknown one stays `posting`. */
export async function markCardRetry(
  db: Db,
  id: string,
  options: {
    delayMs: number;
    error: string;
    outcomeKnown: boolean;
    countAttempt: boolean;
    forgetTs?: boolean;
  },
): Promise<void> {
  await db
    .updateTable("slack_cards")
    .set({
      next_attempt_at: sql`now() + make_interval(secs => ${options.delayMs / 1000})`,
      last_error: options.error,
      ...(options.countAttempt ? { attempts: sql`attempts + 1` } : {}),
      ...(options.outcomeKnown ? { state: sql`CASE WHEN ts IS NULL THEN 'to_post' ELSE 'posted' END` } : {}),
      ...(options.forgetTs ? { ts: null, posted_hash: null, state: "to_post" as const } : {}),
    })
    .where("pending_action_id", "=", id)
    .execute();
}

export async function markLineSending(db: Db, id: string): Promise<void> {
  await db.updateTable("thread_lines").set({ state: "sending" }).where("id", "=", id).execute();
}

function lineSent(db: QueryCreator<Database>, id: string, ts: string) {
  return db
    .updateTable("thread_lines")
    .set({ state: "sent", ts, sent_at: sql`now()`, last_error: null })
    .where("id", "=", id);
}

export async function markLineRetry(
  db: Db,
  id: string,
  options: { delayMs: number; error: string; outcomeKnown: boolean; countAttempt: boolean },
): Promise<void> {
  await db
    .updateTable("thread_lines")
    .set({
      next_attempt_at: sql`now() + make_interval(secs => ${options.delayMs / 1000})`,
      last_error: options.error,
      ...(options.countAttempt ? { attempts: sql`attempts + 1` } : {}),
      ...(options.outcomeKnown ? { state: "to_send" as const } : {}),
    })
    .where("id", "=", id)
    .execute();
}

// ---- Backlog guard (design §5): at most `limit` cards of unresolved actions out, or on their way, per channel ----

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

/** Cards changed since `since` (database clock) and not yet shown in Slack as they should be; held ones aside. */
export async function unsentCardsSince(db: Db, channel: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom("slack_cards")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("channel", "=", channel)
    .where("held", "=", false)
    .where(sql<boolean>`posted_hash IS DISTINCT FROM desired_hash`)
    .where("updated_at", ">=", since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
