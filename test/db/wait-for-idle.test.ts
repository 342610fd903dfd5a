import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { busyCounts, waitForIdle } from "../support/wait.js";

/**
 * The tests' "idle" signal (test/support/wait.ts): a test asserting that something did not happen waits for it,
 * so it must not call the bot idle while an event, a card, a thread line, a lease or a job run is still pending.
 */
describe("waitForIdle", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const expectBusy = async (what: string) => {
    await expect(waitForIdle(db(), { timeoutMs: 300 })).rejects.toThrow(new RegExp(`"${what}":1`));
  };

  it("is idle on an empty database", async () => {
    expect(await busyCounts(db())).toEqual({
      inbox: 0,
      cards: 0,
      lines: 0,
      leases: 0,
      runs: 0,
      messages: 0,
      reads: 0,
      intents: 0,
    });
    await waitForIdle(db(), { timeoutMs: 1000 });
  });

  it("waits for an inbox event until it is processed or failed for good", async () => {
    await insertWebhookEvent(database.handle.pool, {
      eventId: "evt_idle_1",
      type: "order.in_progress",
      resourceKey: "event:evt_idle_1",
      timestamp: 1795000000,
      rawBody: "{}",
    });
    await expectBusy("inbox");
    await sql`UPDATE webhook_events SET processed_at = now() WHERE event_id = 'evt_idle_1'`.execute(db());
    await waitForIdle(db(), { timeoutMs: 1000 });
  });

  it("waits for a card until Slack shows what its row wants (a held card does not count)", async () => {
    const now = new Date();
    const action = await db()
      .insertInto("pending_actions")
      .values({
        card_key: "replace_domain:dom_idle",
        reason: "replace_domain",
        resource_kind: "domain",
        resource_id: "dom_idle",
        details: {},
        opened_at: now,
        last_seen_at: now,
        last_checked_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db()
      .insertInto("slack_cards")
      .values({
        pending_action_id: action.id,
        channel: "C0IDLE0001",
        desired_text: "card",
        desired_blocks: JSON.stringify([]),
        desired_metadata: JSON.stringify({}),
        desired_hash: "h2",
      })
      .execute();
    await expectBusy("cards");
    await db().updateTable("slack_cards").set({ held: true }).execute();
    await waitForIdle(db(), { timeoutMs: 1000 });
    await db().updateTable("slack_cards").set({ held: false, ts: "1.1", posted_hash: "h1" }).execute();
    await expectBusy("cards");
    await db().updateTable("slack_cards").set({ posted_hash: "h2", state: "posted" }).execute();
    await db()
      .insertInto("thread_lines")
      .values({ pending_action_id: action.id, channel: "C0IDLE0001", text: "x" })
      .execute();
    await expectBusy("lines");
    await db().updateTable("thread_lines").set({ state: "sent", ts: "1.2" }).execute();
    await waitForIdle(db(), { timeoutMs: 1000 });
  });

  it("waits for a held channel lease to be released or to run out", async () => {
    await db()
      .insertInto("slack_channels")
      .values({ channel: "C0IDLE0001", locked_by: "w1", locked_until: sql<Date>`now() + interval '1 hour'` })
      .execute();
    await expectBusy("leases");
    await db().updateTable("slack_channels").set({ locked_until: null, locked_by: null }).execute();
    await waitForIdle(db(), { timeoutMs: 1000 });
  });

  it("waits for a job run in flight to finish", async () => {
    await db().insertInto("runs").values({ job: "reconcile", slot: "s1", runner: "w1" }).execute();
    await expectBusy("runs");
    await db()
      .updateTable("runs")
      .set({ outcome: "succeeded", finished_at: sql<Date>`now()` })
      .where("slot", "=", "s1")
      .execute();
    await waitForIdle(db(), { timeoutMs: 1000 });
  });
});
