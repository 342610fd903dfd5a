import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";
import type { ClaimedEvent } from "../../src/db/webhook-events.repository.js";
import { claimDueResources } from "../../src/db/webhook-events.repository.js";
import { settleBareEvents } from "../../src/jobs/inbox-bare-events.js";
import { createInboxProcessor } from "../../src/jobs/inbox-processor.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { classifyBareEvent } from "../../src/pending/ignored-events.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";

/**
 * The inbox's bulk path for events that name no resource (src/jobs/inbox-bare-events.ts, issue #14 item 2), on a
 * real database: settled with their audit rows in one transaction, all or nothing, each once across workers; a row
 * stored before migrations/0010 that does name a resource is handed to the coalesced claim instead.
 */
describe("events naming no resource, settled in bulk", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());
  beforeEach(async () => {
    await sql`TRUNCATE webhook_events, resource_reads, audit_log`.execute(db());
  });

  const store = (eventId: string, body: Record<string, unknown>, resourceKey = `event:${eventId}`) =>
    insertWebhookEvent(database.handle.pool, {
      eventId,
      type: typeof body.type === "string" ? body.type : null,
      resourceKey,
      timestamp: 1795000000,
      rawBody: JSON.stringify(body),
    });
  const noop = (eventId: string) => store(eventId, { id: eventId, type: "bench.delivery", data: { n: 1 } });
  const settle = (limit = 200) =>
    settleBareEvents({ db: db(), classify: (e) => classifyBareEvent(e.event_id, e.payload), limit });
  const rows = () =>
    db()
      .selectFrom("webhook_events")
      .select(["event_id", "processed_at", "attempts", "resource_key", "locked_by"])
      .orderBy("event_id")
      .execute();
  const ignoredAudit = () =>
    db()
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("action", "=", "event.ignored")
      .execute();

  it("marks each processed with its event.ignored audit row, oldest first, no more than the limit", async () => {
    for (const id of ["evt_1", "evt_2", "evt_3"]) await noop(id);
    await store("evt_flat", { id: "evt_flat", type: "order.action_required", data: { status: "open" } });
    await sql`UPDATE webhook_events SET next_attempt_at = now() - interval '1 minute' WHERE event_id = 'evt_3'`.execute(
      db(),
    );

    expect(await settle(2)).toEqual({ settled: 2, rekeyed: 0, failed: 0, full: true });
    const first = (await rows()).filter((r) => r.processed_at).map((r) => r.event_id);
    expect(first).toContain("evt_3");
    expect(first).toHaveLength(2);

    expect(await settle()).toEqual({ settled: 2, rekeyed: 0, failed: 0, full: false });
    const after = await rows();
    expect(after.every((r) => r.processed_at !== null && r.attempts === 1 && r.locked_by === null)).toBe(
      true,
    );
    const why = new Map((await ignoredAudit()).map((a) => [a.details.event_id, a.details.why]));
    expect(Object.fromEntries(why)).toEqual({
      evt_1: "unknown event type bench.delivery",
      evt_2: "unknown event type bench.delivery",
      evt_3: "unknown event type bench.delivery",
      evt_flat: "event names no resource id",
    });
  });

  it("hands a row keyed before migrations/0010 that names an order to the coalesced claim, unprocessed", async () => {
    await store("evt_old", { id: "evt_old", type: "order.action_required", data: { id: "ord_old" } });
    expect(await settle()).toEqual({ settled: 0, rekeyed: 1, failed: 0, full: false });
    const [row] = await rows();
    expect(row).toMatchObject({
      event_id: "evt_old",
      processed_at: null,
      attempts: 0,
      resource_key: "order:ord_old",
    });
    expect(await ignoredAudit()).toEqual([]);
    const claimed = await claimDueResources(db(), "worker-a", {
      resources: 5,
      bareEvents: 0,
      maxEvents: 50,
      leaseSeconds: 30,
    });
    expect(claimed.map((e) => e.event_id)).toEqual(["evt_old"]);
  });

  it("leaves a row another worker holds by lease, and the coalesced claim without bare events leaves them all", async () => {
    await noop("evt_held");
    await noop("evt_free");
    await sql`UPDATE webhook_events SET locked_by = 'worker-b', locked_until = now() + interval '1 minute'
               WHERE event_id = 'evt_held'`.execute(db());
    const claimed = await claimDueResources(db(), "worker-a", {
      resources: 5,
      bareEvents: 0,
      maxEvents: 50,
      leaseSeconds: 30,
    });
    expect(claimed).toEqual([]);
    expect(await settle()).toEqual({ settled: 1, rekeyed: 0, failed: 0, full: false });
    const byId = new Map((await rows()).map((r) => [r.event_id, r]));
    expect(byId.get("evt_free")?.processed_at).not.toBeNull();
    expect(byId.get("evt_held")).toMatchObject({ processed_at: null, locked_by: "worker-b" });
  });

  it("writes nothing when the batch fails before its commit: every row still waits, no audit row", async () => {
    for (const id of ["evt_a", "evt_b", "evt_c"]) await noop(id);
    let seen = 0;
    // The second row's audit entry breaks the audit insert (action is NOT NULL), after the rows were marked.
    const failing = settleBareEvents({
      db: db(),
      classify: (e) => {
        const verdict = classifyBareEvent(e.event_id, e.payload);
        if (++seen !== 2 || verdict.kind !== "ignored") return verdict;
        return { kind: "ignored", audit: { ...verdict.audit, action: null as unknown as string } };
      },
      limit: 200,
    });
    await expect(failing).rejects.toThrow();
    expect((await rows()).every((r) => r.processed_at === null && r.attempts === 0)).toBe(true);
    expect(await ignoredAudit()).toEqual([]);
  });

  it("marks a row whose payload cannot be read failed with its error, and settles the rest of the batch", async () => {
    await noop("evt_a");
    await sql`INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload, resource_key)
               VALUES ('evt_null', NULL, now(), 'null'::jsonb, 'event:evt_null')`.execute(db());
    await noop("evt_c");
    expect(await settle()).toEqual({ settled: 2, rekeyed: 0, failed: 1, full: false });
    const unread = await db()
      .selectFrom("webhook_events")
      .select(["failed_at", "last_error", "processed_at"])
      .where("event_id", "=", "evt_null")
      .executeTakeFirstOrThrow();
    expect(unread.failed_at).not.toBeNull();
    expect(unread.processed_at).toBeNull();
    expect(unread.last_error).toMatch(/^unreadable payload: /);
    expect((await ignoredAudit()).map((a) => a.details.event_id).sort()).toEqual(["evt_a", "evt_c"]);
    // Settled or failed, nothing is left for the next batch.
    expect(await settle()).toEqual({ settled: 0, rekeyed: 0, failed: 0, full: false });
  });

  it("settles each event exactly once when two workers settle the same backlog side by side", async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `evt_${String(i).padStart(3, "0")}`);
    for (const id of ids) await noop(id);
    const worker = async () => {
      let total = 0;
      for (;;) {
        const batch = await settle(40);
        total += batch.settled;
        if (batch.settled === 0) return total;
      }
    };
    const [a, b] = await Promise.all([worker(), worker()]);
    expect(a + b).toBe(300);
    const audited = (await ignoredAudit()).map((r) => String(r.details.event_id)).sort();
    expect(audited).toEqual(ids);
    expect((await rows()).every((r) => r.processed_at !== null && r.attempts === 1)).toBe(true);
  });

  it("never hands such an event to the processor's handler once a classifier is given", async () => {
    await noop("evt_noop");
    await store(
      "evt_order",
      { id: "evt_order", type: "order.action_required", data: { id: "ord_1" } },
      "order:ord_1",
    );
    const handled: string[][] = [];
    const processor = createInboxProcessor({
      db: db(),
      workerId: "worker-bulk",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      pollMs: 50,
      classifyBareEvent: (e) => classifyBareEvent(e.event_id, e.payload),
      handle: async (events: ClaimedEvent[]) => {
        handled.push(events.map((e) => e.event_id));
      },
    });
    processor.start();
    try {
      await waitFor(async () => (await rows()).every((r) => r.processed_at !== null), {
        what: "both events processed",
      });
    } finally {
      await processor.stop();
    }
    expect(handled).toEqual([["evt_order"]]);
    expect((await ignoredAudit()).map((a) => a.details.event_id)).toEqual(["evt_noop"]);
  });

  it("goes on claiming the resources while the bulk settle fails", async () => {
    await noop("evt_noop");
    await store(
      "evt_order",
      { id: "evt_order", type: "order.action_required", data: { id: "ord_1" } },
      "order:ord_1",
    );
    const handled: string[] = [];
    let settleTries = 0;
    const processor = createInboxProcessor({
      db: db(),
      workerId: "worker-bulk",
      logger: createLogger({ level: "silent" }),
      metrics: createMetrics(),
      pollMs: 50,
      // Every bulk settle fails in the database (an audit row without its action), every time.
      classifyBareEvent: (e) => {
        settleTries++;
        const verdict = classifyBareEvent(e.event_id, e.payload);
        return verdict.kind === "ignored"
          ? { kind: "ignored", audit: { ...verdict.audit, action: null as unknown as string } }
          : verdict;
      },
      handle: async (events: ClaimedEvent[]) => {
        handled.push(...events.map((e) => e.event_id));
      },
    });
    processor.start();
    try {
      await waitFor(async () => handled.includes("evt_order") && settleTries >= 2, {
        what: "the order event handled while the settle kept failing",
      });
    } finally {
      await processor.stop();
    }
    const noopRow = (await rows()).find((r) => r.event_id === "evt_noop");
    expect(noopRow?.processed_at).toBeNull();
  });
});
