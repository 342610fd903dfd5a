import { setTimeout as pause } from "node:timers/promises";
import { type Kysely, sql } from "kysely";
import { runningEmbeddedUrl } from "../../src/db/embedded.js";
import { openDatabase } from "../../src/db/pool.js";
import type { Database } from "../../src/db/schema.js";
import { silentLogger } from "../../src/logger.js";

/**
 * Waiting for observable facts, never for a fixed time (a loaded machine makes every fixed sleep either too short
 * — a flake — or too long for a "did not happen" check to mean anything).
 *
 * - `waitFor(probe)`: polls until `probe` returns something truthy (a row, a Slack fake call, a log line).
 * - `waitForIdle(db)`: the bot has nothing left to do: every inbox event processed (or failed for good), every
 *   card, thread line and customer message in Slack as desired, no channel or re-read lease held, no Peeker
 *   write in flight (intent), no job run in flight. Once idle, nothing
 *   more happens until the test sends something, so a test asserting "no duplicate" waits for idle first.
 */

export interface WaitOptions {
  /** Give up after this long, ms (default 15 000): a generous ceiling, never the expected duration. */
  timeoutMs?: number;
  /** Poll interval, ms (default 50). */
  intervalMs?: number;
  /** What is awaited, in words: it is the timeout's message. */
  what?: string;
}

export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 50, what = "condition" }: WaitOptions = {},
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/** What still keeps the bot busy; all zero = idle. */
export interface BusyCounts {
  /** Inbox events neither processed nor failed for good (retries pending count too). */
  inbox: number;
  /** Cards whose Slack message is not (yet) what the row wants, not held back by the backlog guard. */
  cards: number;
  /** Thread lines not yet in Slack, under a posted card. */
  lines: number;
  /** Channels whose sender lease is still held. */
  leases: number;
  /** Job runs (reconcile, digest, nudges) started and not finished. */
  runs: number;
  /** Customer messages (nameservers) recorded and not yet sent. */
  messages: number;
  /** Resources whose background re-read lease is still held. */
  reads: number;
  /** Pending actions with a Peeker write in flight (an intent not yet recorded or swept). */
  intents: number;
}

/** One consistent snapshot (a single statement) of what the bot still has to do. */
export async function busyCounts(db: Kysely<Database>): Promise<BusyCounts> {
  const result = await sql<{ [K in keyof BusyCounts]: string }>`
    SELECT
      (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND failed_at IS NULL) AS inbox,
      (SELECT count(*) FROM slack_cards
         WHERE held = false AND posted_hash IS DISTINCT FROM desired_hash) AS cards,
      (SELECT count(*) FROM thread_lines l JOIN slack_cards c USING (pending_action_id)
         WHERE l.state <> 'sent' AND c.ts IS NOT NULL) AS lines,
      (SELECT count(*) FROM slack_channels WHERE locked_until > now()) AS leases,
      (SELECT count(*) FROM runs WHERE outcome = 'running') AS runs,
      (SELECT count(*) FROM customer_messages WHERE state NOT IN ('sent', 'failed')) AS messages,
      (SELECT count(*) FROM resource_reads WHERE leased_until > now()) AS reads,
      (SELECT count(*) FROM pending_actions WHERE intent_kind IS NOT NULL) AS intents
  `.execute(db);
  const row = result.rows[0]!;
  return {
    inbox: Number(row.inbox),
    cards: Number(row.cards),
    lines: Number(row.lines),
    leases: Number(row.leases),
    runs: Number(row.runs),
    messages: Number(row.messages),
    reads: Number(row.reads),
    intents: Number(row.intents),
  };
}

/**
 * Waits until the bot is idle (see the top of this file). `db` is the test's database handle, or the data folder
 * of bots running on an embedded PostgreSQL (`useEmbeddedBots`). The timeout names what was still busy.
 */
export async function waitForIdle(
  db: Kysely<Database> | { dataDir: string },
  options: Omit<WaitOptions, "what"> = {},
): Promise<void> {
  if (!("dataDir" in db)) return idleOn(db, options);
  const url = await waitFor(() => runningEmbeddedUrl(db.dataDir), {
    ...options,
    what: `the embedded PostgreSQL of ${db.dataDir}`,
  });
  const handle = openDatabase(url, silentLogger());
  try {
    await idleOn(handle.db, options);
  } finally {
    await handle.close();
  }
}

async function idleOn(db: Kysely<Database>, options: Omit<WaitOptions, "what">): Promise<void> {
  let last: BusyCounts | undefined;
  try {
    await waitFor(
      async () => {
        last = await busyCounts(db);
        return Object.values(last).every((n) => n === 0);
      },
      { timeoutMs: 30_000, intervalMs: 100, ...options, what: "the bot to be idle" },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; still busy: ${JSON.stringify(last)}`);
  }
}

/**
 * Runs `ask` (requests that must share one manual slot, `manual:<UTC minute>`, of `job`) so that they really fall
 * in one slot. Instead of dodging the minute boundary with a sleep, it reads the slots the requests claimed
 * (`runs` rows) and asks again in the rare case they straddled a boundary (two new slots) or all fell in a slot an
 * earlier try already used (no new slot). Before asking again it waits for the fact that makes a new slot possible:
 * the current minute's slot is not taken yet (after a straddle that is the next minute, however loaded the
 * machine). Returns the answers and the one slot they shared.
 */
export async function inOneManualSlot<T>(
  db: Kysely<Database>,
  job: string,
  ask: () => Promise<T>,
): Promise<{ answers: T; slot: string }> {
  const slots = async () =>
    new Set(
      (
        await db
          .selectFrom("runs")
          .select("slot")
          .where("job", "=", job)
          .where("slot", "like", "manual:%")
          .execute()
      ).map((r) => r.slot),
    );
  for (let attempt = 1; ; attempt++) {
    const before = await slots();
    const answers = await ask();
    const after = await slots();
    const fresh = [...after].filter((slot) => !before.has(slot));
    if (fresh.length === 1) return { answers, slot: fresh[0]! };
    if (attempt >= 4)
      throw new Error(`the ${job} requests never fell in one new slot (got ${fresh.join(", ")})`);
    await waitFor(() => !after.has(`manual:${new Date().toISOString().slice(0, 16)}Z`), {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: `a minute whose manual ${job} slot is still free`,
    });
  }
}
