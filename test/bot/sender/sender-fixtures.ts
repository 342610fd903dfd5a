import { ErrorCode } from "@slack/web-api";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createSlackCall, type SendDeps } from "../../../src/bot/sender/slack-call.js";
import type { HistoryPage, SlackPoster } from "../../../src/bot/sender/slack-poster.js";
import { CARD_EVENT_TYPE } from "../../../src/bot/views/card-model.js";
import type { Database } from "../../../src/db/schema.js";
import { upsertDesiredCard } from "../../../src/db/slack-cards.repository.js";
import { queueThreadLine } from "../../../src/db/thread-lines.repository.js";
import { silentLogger } from "../../../src/logger.js";
import { createMetrics } from "../../../src/metrics.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { insertPendingRow } from "../../support/pending-rows.js";

/**
 * Builders for the Slack sender's unit tests (test/bot/sender/): a plain-object Slack client that records its
 * calls (each call can be given its own answer), outbox rows on a real database, and the errors the WebClient
 * throws.
 */

export type Call = { method: keyof SlackPoster; args: Record<string, unknown> };

export interface FakeSlack extends SlackPoster {
  calls: Call[];
  made(method: keyof SlackPoster): Record<string, unknown>[];
}

/** Answers every call successfully (a fresh ts per post, empty history) unless `answers` says otherwise. */
export function fakeSlack(answers: Partial<SlackPoster> = {}): FakeSlack {
  const calls: Call[] = [];
  let posted = 0;
  const record = (method: keyof SlackPoster, args: Record<string, unknown>) => calls.push({ method, args });
  return {
    calls,
    made: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
    async postMessage(args) {
      record("postMessage", args);
      if (answers.postMessage) return answers.postMessage(args);
      posted++;
      return { ts: `1700000000.${String(posted).padStart(6, "0")}` };
    },
    async update(args) {
      record("update", args);
      return answers.update ? answers.update(args) : { ok: true };
    },
    async history(args): Promise<HistoryPage> {
      record("history", args as Record<string, unknown>);
      return answers.history ? answers.history(args) : { messages: [] };
    },
    async replies(args) {
      record("replies", args as Record<string, unknown>);
      return answers.replies ? answers.replies(args) : { messages: [] };
    },
  };
}

export const slackErrors = {
  rateLimited: (seconds: number) =>
    Object.assign(new Error("rate limited"), { code: ErrorCode.RateLimitedError, retryAfter: seconds }),
  platform: (error: string) =>
    Object.assign(new Error(error), { code: ErrorCode.PlatformError, data: { error } }),
};

export function sendDeps(db: Kysely<Database>): SendDeps {
  const metrics = createMetrics();
  return { db, call: createSlackCall(metrics), logger: silentLogger(), metrics };
}

/** A card of a new open action, queued for its first post; `opened_at` and other pending columns can be set. */
export async function queueCard(
  db: Kysely<Database>,
  channel: string,
  pending: Partial<Record<string, unknown>> = {},
) {
  const row = await insertPendingRow(db, pending);
  await upsertDesiredCard(db, {
    pendingActionId: row.id,
    channel,
    text: `card ${row.card_key}`,
    blocks: [],
    metadata: { event_type: CARD_EVENT_TYPE, event_payload: { card_key: row.card_key } },
    hash: `h-${row.id}`,
  });
  return row;
}

/** A card already in Slack as desired (`ts`), so its thread takes lines. */
export async function postedCard(db: Kysely<Database>, channel: string, ts: string) {
  const row = await queueCard(db, channel);
  await sql`UPDATE slack_cards SET ts = ${ts}, posted_hash = desired_hash, state = 'posted'
             WHERE pending_action_id = ${row.id}`.execute(db);
  return row;
}

export async function queueLine(
  db: Kysely<Database>,
  channel: string,
  pendingActionId: string,
  text: string,
) {
  await queueThreadLine(db, { pendingActionId, channel, text });
  return db
    .selectFrom("thread_lines")
    .selectAll()
    .where("pending_action_id", "=", pendingActionId)
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
}

export const cardRow = (db: Kysely<Database>, id: string) =>
  db.selectFrom("slack_cards").selectAll().where("pending_action_id", "=", id).executeTakeFirstOrThrow();

export const lineRow = (db: Kysely<Database>, id: string) =>
  db.selectFrom("thread_lines").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

export async function truncateOutbox(db: Kysely<Database>) {
  await sql`TRUNCATE slack_channels, thread_lines, slack_cards, pending_actions CASCADE`.execute(db);
}

/**
 * A database of the test file's own (cloned from the migrated template), dropped after it, with an empty outbox
 * before each test; answers the handle's `db`. Registers the vitest hooks, so call it inside `describe`.
 */
export function useOutboxDatabase(): () => Kysely<Database> {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await truncateOutbox(db());
  });
  return db;
}
