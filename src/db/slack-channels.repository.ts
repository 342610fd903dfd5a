import { type Kysely, type QueryCreator, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";
import { cardSentUpdate } from "./slack-cards.repository.js";
import { lineSentUpdate } from "./thread-lines.repository.js";

/** Per-channel sender leases and pacing (design §5 "Slack sending"): one replica sends to a channel at a time. */

type Db = Kysely<Database> | Transaction<Database>;

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

/** Marks what Slack has: a card (posted, edited, or found by its metadata) or a thread line. */
function sentUpdate(db: QueryCreator<Database>, sent: SentMark) {
  return sent.kind === "card"
    ? cardSentUpdate(db, sent.id, sent.ts, sent.hash).returning(sql<number>`1`.as("marked"))
    : lineSentUpdate(db, sent.id, sent.ts).returning(sql<number>`1`.as("marked"));
}
