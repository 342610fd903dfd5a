import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";
import { pruneRuns } from "../../src/db/runs.repository.js";
import {
  claimDueEvents,
  markEventsProcessed,
  pruneWebhookEvents,
} from "../../src/db/webhook-events.repository.js";
import { eventFromObject } from "../../src/peeker/webhooks.js";
import { inboxRowOf } from "../../src/pending/intake.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

describe("the inbox", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE webhook_events`.execute(database.handle.db);
  });

  const insert = (id: string) =>
    insertWebhookEvent(database.handle.pool, {
      eventId: id,
      type: "order.in_progress",
      resourceKey: `event:${id}`,
      timestamp: 1795000000,
      rawBody: "{}",
    });

  it("stores an event once; a duplicate id is reported, not inserted", async () => {
    expect(await insert("evt_1")).toBe(true);
    expect(await insert("evt_1")).toBe(false);
  });

  it("stores an event naming no resource settled, with its one audit row, in the intake's one statement", async () => {
    await sql`TRUNCATE audit_log`.execute(database.handle.db);
    // What the intake builds for such a delivery (src/pending/intake.ts inboxRowOf).
    const row = inboxRowOf(
      eventFromObject({ id: "evt_unknown", type: "invoice.paid", data: { id: "inv_1" } }),
      {
        eventId: "evt_unknown",
        timestamp: 1795000000,
        rawBody: '{"id":"evt_unknown","type":"invoice.paid","data":{"id":"inv_1"}}',
      },
    );
    expect(row.settled).toBeDefined();
    expect(await insertWebhookEvent(database.handle.pool, row)).toBe(true);
    // Peeker's retry of the same delivery: a duplicate, and no second audit row.
    expect(await insertWebhookEvent(database.handle.pool, row)).toBe(false);
    const stored = await database.handle.db.selectFrom("webhook_events").selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      event_id: "evt_unknown",
      attempts: 0,
      locked_by: null,
      failed_at: null,
    });
    expect(stored[0]!.processed_at).not.toBeNull();
    const audit = await database.handle.db.selectFrom("audit_log").selectAll().execute();
    expect(audit.map((a) => [a.actor, a.action, a.resource_id, a.details])).toEqual([
      [
        "system",
        "event.ignored",
        "inv_1",
        { event_id: "evt_unknown", type: "invoice.paid", why: "unknown event type invoice.paid" },
      ],
    ]);
    // Nothing is left for the processor to claim.
    expect(await claimDueEvents(database.handle.db, "a", 10, 30)).toEqual([]);
  });

  it("stores an event naming a resource waiting for the processor, keyed by it, with no audit row yet", async () => {
    const row = inboxRowOf(
      eventFromObject({ id: "evt_o", type: "order.action_required", data: { id: "ord_1" } }),
      {
        eventId: "evt_o",
        timestamp: 1795000000,
        rawBody: "{}",
      },
    );
    expect(row.resourceKey).toBe("order:ord_1");
    expect(row.settled).toBeUndefined();
    await sql`TRUNCATE audit_log`.execute(database.handle.db);
    expect(await insertWebhookEvent(database.handle.pool, row)).toBe(true);
    expect(await database.handle.db.selectFrom("audit_log").selectAll().execute()).toEqual([]);
    const claimed = await claimDueEvents(database.handle.db, "a", 10, 30);
    expect(claimed.map((e) => [e.event_id, e.resource_key])).toEqual([["evt_o", "order:ord_1"]]);
  });

  it("never hands one event to two claimers at once (SKIP LOCKED)", async () => {
    for (let i = 0; i < 40; i++) await insert(`evt_${i}`);
    const claims = await Promise.all(
      ["a", "b", "c", "d"].map((worker) => claimDueEvents(database.handle.db, worker, 15, 30)),
    );
    const ids = claims.flat().map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
  });

  it("gives an event whose lease expired (a dead worker) to another worker", async () => {
    await insert("evt_lease");
    expect(await claimDueEvents(database.handle.db, "dead", 10, 30)).toHaveLength(1);
    expect(await claimDueEvents(database.handle.db, "alive", 10, 30)).toHaveLength(0);
    await sql`UPDATE webhook_events SET locked_until = now() - interval '1 second'`.execute(
      database.handle.db,
    );
    const retaken = await claimDueEvents(database.handle.db, "alive", 10, 30);
    expect(retaken.map((e) => [e.event_id, e.attempts])).toEqual([["evt_lease", 2]]);
  });

  it("does not hand out processed events again", async () => {
    await insert("evt_done");
    const [claimed] = await claimDueEvents(database.handle.db, "w", 10, 30);
    await markEventsProcessed(database.handle.db, "w", [claimed!.event_id]);
    await sql`UPDATE webhook_events SET locked_until = NULL`.execute(database.handle.db);
    expect(await claimDueEvents(database.handle.db, "w", 10, 30)).toHaveLength(0);
  });

  it("prunes processed events after 4 days and keeps failed ones for an operator", async () => {
    for (const id of ["old_done", "new_done", "old_failed", "old_pending"]) await insert(id);
    await sql`UPDATE webhook_events SET received_at = now() - interval '5 days' WHERE event_id LIKE 'old_%'`.execute(
      database.handle.db,
    );
    await sql`UPDATE webhook_events SET processed_at = now() WHERE event_id LIKE '%_done'`.execute(
      database.handle.db,
    );
    await sql`UPDATE webhook_events SET failed_at = now() WHERE event_id = 'old_failed'`.execute(
      database.handle.db,
    );
    expect(await pruneWebhookEvents(database.handle.db)).toBe(1);
    const left = await database.handle.db
      .selectFrom("webhook_events")
      .select("event_id")
      .orderBy("event_id")
      .execute();
    expect(left.map((r) => r.event_id)).toEqual(["new_done", "old_failed", "old_pending"]);
  });

  it("prunes cron slot rows after 30 days but keeps each job's newest", async () => {
    const db = database.handle.db;
    await sql`TRUNCATE runs`.execute(db);
    await sql`INSERT INTO runs (job, slot, runner, started_at) VALUES
      ('nudge', 'a', 'w', now() - interval '40 days'), ('nudge', 'b', 'w', now() - interval '35 days'),
      ('nudge', 'c', 'w', now()), ('digest', 'd', 'w', now() - interval '40 days')`.execute(db);
    expect(await pruneRuns(db)).toBe(2);
    const left = await db.selectFrom("runs").select("slot").orderBy("slot").execute();
    expect(left.map((r) => r.slot)).toEqual(["c", "d"]);
  });

  it("claims through the partial index on unprocessed rows", async () => {
    await sql`INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload, processed_at)
              SELECT 'bulk_' || g, 'x', now(), '{}', now() FROM generate_series(1, 20000) g`.execute(
      database.handle.db,
    );
    await insert("evt_due");
    await sql`ANALYZE webhook_events`.execute(database.handle.db);
    const plan = await sql<{ "QUERY PLAN": string }>`
      EXPLAIN SELECT event_id FROM webhook_events
       WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
       ORDER BY next_attempt_at LIMIT 25 FOR UPDATE SKIP LOCKED`.execute(database.handle.db);
    expect(plan.rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("webhook_events_due");
  });
});
