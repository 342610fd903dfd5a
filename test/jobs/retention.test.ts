import type { Kysely } from "kysely";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/schema.js";
import { pruneOnce } from "../../src/jobs/retention.js";
import { silentLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { postSigned, slashCommandBody } from "../support/slack-signing.js";

/**
 * Retention (RETENTION_DAYS): rows older than the window are pruned in small batches, and what is still needed
 * stays — an open action's audit trail and card, a card or thread line not yet in Slack, anything recent.
 */

const NOW = new Date("2026-06-01T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);

interface Seeded {
  id: string;
}

let seq = 0;
async function seedAction(
  db: Kysely<Database>,
  options: { state: "open" | "resolving" | "resolved"; resolvedDaysAgo?: number; posted?: boolean },
): Promise<Seeded> {
  seq += 1;
  const opened = daysAgo((options.resolvedDaysAgo ?? 0) + 10);
  const row = await db
    .insertInto("pending_actions")
    .values({
      card_key: `replace_domain:dom_retention_${seq}_${Math.random().toString(36).slice(2)}`,
      reason: "replace_domain",
      resource_kind: "domain",
      resource_id: `dom_retention_${seq}`,
      domain_id: `dom_retention_${seq}`,
      state: options.state,
      opened_at: opened,
      last_seen_at: opened,
      last_checked_at: opened,
      resolved_at: options.resolvedDaysAgo === undefined ? null : daysAgo(options.resolvedDaysAgo),
      resolution: options.state === "resolved" ? "resolved outside Slack" : null,
    } as never)
    .returning("id")
    .executeTakeFirstOrThrow();
  const posted = options.posted ?? true;
  await sql`
    INSERT INTO slack_cards (pending_action_id, channel, desired_text, desired_blocks, desired_metadata,
                             desired_hash, ts, posted_hash, state)
    VALUES (${row.id}, ${CHANNEL}, 'card', '[]', '{}', 'h2', ${posted ? "1.1" : null},
            ${posted ? "h2" : "h1"}, ${posted ? "posted" : "to_post"})`.execute(db);
  return { id: String(row.id) };
}

async function seedThreadLine(db: Kysely<Database>, actionId: string, sent: boolean, ageDays: number) {
  const at = daysAgo(ageDays);
  await sql`
    INSERT INTO thread_lines (pending_action_id, channel, text, created_at, state, sent_at)
    VALUES (${actionId}, ${CHANNEL}, 'line', ${at}, ${sent ? "sent" : "to_send"}, ${sent ? at : null})`.execute(
    db,
  );
}

async function seedCustomerMessage(db: Kysely<Database>, actionId: string, state: "sent" | "to_send") {
  await sql`INSERT INTO customer_messages (pending_action_id, channel, text, requested_by, state, created_at)
            VALUES (${actionId}, 'C0CUSTOMER', 'nameservers', 'U0OP', ${state}, ${daysAgo(150)})`.execute(db);
}

async function seedAudit(db: Kysely<Database>, actionId: string | null, ageDays: number) {
  await sql`INSERT INTO audit_log (at, actor, action, pending_action_id, resource_id)
            VALUES (${daysAgo(ageDays)}, 'system', 'test.aged', ${actionId}, 'res_retention')`.execute(db);
}

const count = async (db: Kysely<Database>, query: string) =>
  Number((await sql<{ n: string }>`${sql.raw(query)}`.execute(db)).rows[0]?.n);

describe("retention prunes old rows and keeps what is still needed", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("removes aged audit rows, sent thread lines and resolved actions with their cards, in batches", async () => {
    const oldResolved: Seeded[] = [];
    for (let i = 0; i < 7; i++)
      oldResolved.push(await seedAction(db(), { state: "resolved", resolvedDaysAgo: 120 }));
    for (const action of oldResolved) {
      await seedThreadLine(db(), action.id, true, 119);
      await seedAudit(db(), action.id, 121);
    }
    const recentResolved = await seedAction(db(), { state: "resolved", resolvedDaysAgo: 30 });
    await seedAudit(db(), recentResolved.id, 30);
    await seedThreadLine(db(), recentResolved.id, true, 30);
    // Still needed although old: an open action (its trail, card and lines), a card not yet posted, a line not sent.
    const oldOpen = await seedAction(db(), { state: "open" });
    await seedAudit(db(), oldOpen.id, 200);
    await seedThreadLine(db(), oldOpen.id, true, 200);
    const resolvedUnposted = await seedAction(db(), {
      state: "resolved",
      resolvedDaysAgo: 150,
      posted: false,
    });
    const resolvedUnsentLine = await seedAction(db(), { state: "resolved", resolvedDaysAgo: 150 });
    await seedThreadLine(db(), resolvedUnsentLine.id, false, 150);
    await seedAudit(db(), null, 95);
    await seedAudit(db(), null, 10);
    // A customer message sent long ago goes with its action; one still waiting for Slack keeps its action.
    await seedCustomerMessage(db(), oldResolved[0]!.id, "sent");
    const resolvedUnsentMessage = await seedAction(db(), { state: "resolved", resolvedDaysAgo: 150 });
    await seedCustomerMessage(db(), resolvedUnsentMessage.id, "to_send");
    // Re-read bookkeeping: an old unleased row goes, a recent one and a leased one stay.
    await sql`INSERT INTO resource_reads (resource_key, applied_at) VALUES
              ('domain:dom_old', ${daysAgo(100)}), ('domain:dom_recent', ${daysAgo(1)})`.execute(db());
    await sql`INSERT INTO resource_reads (resource_key, applied_at, leased_by, leased_until) VALUES
              ('domain:dom_leased', ${daysAgo(100)}, 'someone', now() + interval '1 minute')`.execute(db());

    const result = await pruneOnce({
      db: db(),
      logger: silentLogger(),
      runner: "test",
      now: () => NOW,
      retentionDays: 90,
      batchSize: 3,
    });

    expect(result.counts).toEqual({
      pending_actions: 7,
      slack_cards: 7,
      // 7 lines of the pruned actions, and the sent line of the open action (old, already in Slack).
      thread_lines: 8,
      // 7 of the pruned actions and the old one without an action; not the open action's.
      audit_log: 8,
      customer_messages: 1,
      resource_reads: 1,
    });
    const remaining = await db().selectFrom("pending_actions").select("id").orderBy("id").execute();
    expect(remaining.map((r) => String(r.id)).sort()).toEqual(
      [
        recentResolved.id,
        oldOpen.id,
        resolvedUnposted.id,
        resolvedUnsentLine.id,
        resolvedUnsentMessage.id,
      ].sort(),
    );
    expect(await count(db(), "SELECT count(*) AS n FROM customer_messages")).toBe(1);
    expect(await count(db(), "SELECT count(*) AS n FROM resource_reads")).toBe(2);
    expect(await count(db(), "SELECT count(*) AS n FROM slack_cards")).toBe(5);
    expect(
      await count(db(), `SELECT count(*) AS n FROM audit_log WHERE pending_action_id = ${oldOpen.id}`),
    ).toBe(1);
    expect(await count(db(), "SELECT count(*) AS n FROM audit_log WHERE pending_action_id IS NULL")).toBe(1);
    expect(await count(db(), "SELECT count(*) AS n FROM thread_lines WHERE state <> 'sent'")).toBe(1);

    // A second run finds nothing more: the kept rows are kept for good reasons, not left by a batch limit.
    const again = await pruneOnce({
      db: db(),
      logger: silentLogger(),
      runner: "test",
      now: () => NOW,
      retentionDays: 90,
    });
    expect(Object.values(again.counts).every((n) => n === 0)).toBe(true);
  });

  it("stops after maxBatches per table, leaving the rest for the next slot", async () => {
    for (let i = 0; i < 5; i++) await seedAudit(db(), null, 400);
    const first = await pruneOnce({
      db: db(),
      logger: silentLogger(),
      runner: "test",
      now: () => NOW,
      retentionDays: 90,
      batchSize: 2,
      maxBatches: 1,
    });
    expect(first.counts.audit_log).toBe(2);
    const rest = await pruneOnce({
      db: db(),
      logger: silentLogger(),
      runner: "test",
      now: () => NOW,
      retentionDays: 90,
    });
    expect(rest.counts.audit_log).toBe(3);
  });
});

describe("retention in a running bot", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: "retention",
      env: { RETENTION_CRON: "*/2 * * * * *", RETENTION_DAYS: "30", NUDGE_CRON: "off" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("prunes from its cron slot and says in /peeker history how far back the trail reaches", async () => {
    const db = stack.database.handle.db;
    await sql`INSERT INTO audit_log (at, actor, action, resource_id)
              VALUES (now() - interval '31 days', 'system', 'test.aged', 'ord_retention_old'),
                     (now() - interval '29 days', 'system', 'test.kept', 'ord_retention_old')`.execute(db);
    await waitFor(
      async () =>
        (await count(
          db,
          "SELECT count(*) AS n FROM runs WHERE job = 'retention' AND outcome = 'succeeded'",
        )) > 0 && (await count(db, "SELECT count(*) AS n FROM audit_log WHERE action = 'test.aged'")) === 0,
      { what: "the aged audit row pruned by a retention slot", timeoutMs: 20_000 },
    );
    expect(await count(db, "SELECT count(*) AS n FROM audit_log WHERE action = 'test.kept'")).toBe(1);

    const bot = stack.bots[0]!;
    const answer = await postSigned(
      `${bot.url}/slack/events`,
      slashCommandBody({ text: "history ord_retention_old", channel_id: CHANNEL }),
      String(stack.env.SLACK_SIGNING_SECRET),
    );
    const text = String((answer.json as { text?: string }).text);
    expect(text).toContain("`test.kept`");
    expect(text).toContain("reaches back 30 days");
  });
});
