import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimDueResources } from "../../src/db/webhook-events.repository.js";
import { admitReads, beginRead, releaseLease, takeLease } from "../../src/pending/resource-lease.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertInboxEvent } from "../support/inbox-events.js";

/**
 * The coalesced claim (issue #14, src/db/webhook-events.repository.ts `claimDueResources`) and what a read records
 * for it (src/pending/resource-lease.ts `admitReads`), on a real database.
 */
describe("the coalesced claim", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE webhook_events, resource_reads`.execute(db());
  });

  const claim = (resources: number) =>
    claimDueResources(db(), "worker-a", { resources, bareEvents: 5, maxEvents: 100, leaseSeconds: 30 });
  const attemptsOf = async (id: string) =>
    (
      await db()
        .selectFrom("webhook_events")
        .select("attempts")
        .where("event_id", "=", id)
        .executeTakeFirstOrThrow()
    ).attempts;

  it("claims a resource with all its waiting events, counting an attempt only for those that were due", async () => {
    await insertInboxEvent(database.handle.pool, "evt_a1", "order.action_required", "order:ord_a");
    await insertInboxEvent(database.handle.pool, "evt_a2", "order.action_required", "order:ord_a");
    await insertInboxEvent(database.handle.pool, "evt_b1", "order.action_required", "order:ord_b");
    await insertInboxEvent(database.handle.pool, "evt_bare", "bench.delivery");
    // evt_a2 waits out a backoff: it comes along with its resource, and keeps its count.
    await sql`UPDATE webhook_events SET next_attempt_at = now() + interval '1 hour', attempts = 3
               WHERE event_id = 'evt_a2'`.execute(db());
    await sql`UPDATE webhook_events SET received_at = received_at - interval '1 minute', next_attempt_at = now() - interval '1 minute'
               WHERE event_id = 'evt_a1'`.execute(db());

    const claimed = await claim(1);
    expect(claimed.map((e) => e.event_id).sort()).toEqual(["evt_a1", "evt_a2", "evt_bare"]);
    expect(await attemptsOf("evt_a1")).toBe(1);
    expect(await attemptsOf("evt_a2")).toBe(3);
    // The next claim takes the other resource; nothing is claimed twice.
    expect((await claim(5)).map((e) => e.event_id)).toEqual(["evt_b1"]);
  });

  it("leaves out a resource another worker is re-reading, and claims it once the lease is given back", async () => {
    const lease = await takeLease(db(), "order:ord_busy");
    if (!lease) throw new Error("lease not taken");
    await insertInboxEvent(database.handle.pool, "evt_busy", "order.action_required", "order:ord_busy");
    expect(await claim(5)).toEqual([]);
    await releaseLease(db(), lease);
    expect((await claim(5)).map((e) => e.event_id)).toEqual(["evt_busy"]);
  });

  it("claims a free resource behind a busy one's many older events (the head leaves the busy one out before its limit)", async () => {
    const lease = await takeLease(db(), "order:ord_busy");
    if (!lease) throw new Error("lease not taken");
    // More older events of the busy resource than the head reads for one resource (4 a resource asked for).
    for (let i = 0; i < 6; i++) {
      await insertInboxEvent(
        database.handle.pool,
        `evt_busy_${i}`,
        "order.action_required",
        "order:ord_busy",
      );
    }
    await sql`UPDATE webhook_events SET next_attempt_at = now() - interval '1 minute'`.execute(db());
    await insertInboxEvent(database.handle.pool, "evt_free", "order.action_required", "order:ord_free");
    const claimed = await claimDueResources(db(), "worker-a", {
      resources: 1,
      bareEvents: 0,
      maxEvents: 100,
      leaseSeconds: 30,
    });
    expect(claimed.map((e) => e.event_id)).toEqual(["evt_free"]);
    await releaseLease(db(), lease);
  });

  it("records a read as answering earlier events only when its admission says so (a reconcile walk does not)", async () => {
    const startedOf = async (key: string) =>
      (
        await db()
          .selectFrom("resource_reads")
          .select("applied_read_started_at")
          .where("resource_key", "=", key)
          .executeTakeFirst()
      )?.applied_read_started_at ?? null;
    const walk = await beginRead(db(), "order:ord_walk");
    await db()
      .transaction()
      .execute((trx) => admitReads(trx, [walk], { answersEarlierEvents: false }));
    expect(await startedOf("order:ord_walk")).toBeNull();
    const event = await beginRead(db(), "order:ord_walk");
    await db()
      .transaction()
      .execute((trx) => admitReads(trx, [event]));
    expect((await startedOf("order:ord_walk"))?.getTime()).toBe(event.startedAt.getTime());
  });
});
