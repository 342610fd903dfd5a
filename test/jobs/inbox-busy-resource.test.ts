import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInboxProcessor } from "../../src/jobs/inbox-processor.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { ResourceBusyError } from "../../src/pending/process-event.js";
import { releaseLease, takeLease } from "../../src/pending/resource-lease.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";
import { insertInboxEvent } from "../support/inbox-events.js";

/**
 * An event whose resource another worker is re-reading (ResourceBusyError, src/pending/process-event.ts) waits
 * for that lease without using up its attempts (review item 8), on a real database with a real resource lease.
 */
describe("inbox event on a busy resource", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  const rowOf = (id: string) =>
    database.handle.db
      .selectFrom("webhook_events")
      .select([
        "attempts",
        "processed_at",
        "failed_at",
        sql<number>`extract(epoch FROM next_attempt_at - now())::float8`.as("due_in"),
      ])
      .where("event_id", "=", id)
      .executeTakeFirstOrThrow();

  it("is retried while busy without using up its attempts, and applied once the resource is free", async () => {
    const db = database.handle.db;
    const resource = "order:ord_busy";
    // A short lease, over at once: the retries come back quickly (jitter only), each claim counts as an attempt.
    const lease = await takeLease(db, resource, 0.2);
    if (!lease) throw new Error("lease not taken");
    await insertInboxEvent(database.handle.pool, "evt_busy");
    let calls = 0;
    const processor = createInboxProcessor({
      db,
      workerId: "worker-busy",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      maxAttempts: 2,
      pollMs: 50,
      random: () => 0,
      // Busy four times over (more than maxAttempts), then the holder is gone and the event applies.
      handle: async () => {
        calls++;
        if (calls <= 4) throw new ResourceBusyError(resource);
      },
    });
    processor.start();
    try {
      await waitFor(
        async () => (await rowOf("evt_busy")).processed_at ?? (await rowOf("evt_busy")).failed_at,
        {
          what: "the event processed or failed",
        },
      );
      const row = await rowOf("evt_busy");
      expect(row.failed_at).toBeNull();
      expect(row.processed_at).not.toBeNull();
      expect(calls).toBe(5);
      expect(row.attempts).toBe(1);
    } finally {
      await processor.stop();
    }
  });

  it("waits for the holder's lease, at most a couple of seconds, not the inbox backoff", async () => {
    const db = database.handle.db;
    const resource = "order:ord_busy_long";
    const lease = await takeLease(db, resource, 120);
    if (!lease) throw new Error("lease not taken");
    await insertInboxEvent(database.handle.pool, "evt_busy_long");
    let calls = 0;
    const processor = createInboxProcessor({
      db,
      workerId: "worker-busy-2",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      pollMs: 50,
      random: () => 0,
      handle: async () => {
        calls++;
        throw new ResourceBusyError(resource);
      },
    });
    processor.start();
    try {
      await waitFor(() => calls >= 1, { what: "the busy event tried" });
      const row = await waitFor(
        async () => {
          const r = await rowOf("evt_busy_long");
          return r.due_in > 0 ? r : undefined;
        },
        { what: "the busy event rescheduled" },
      );
      // Rescheduled without counting the claim (0 attempts), for the lease but capped well below 120 s.
      expect(row.attempts).toBe(0);
      expect(row.due_in).toBeGreaterThan(0.5);
      expect(row.due_in).toBeLessThanOrEqual(2.1);
    } finally {
      await processor.stop();
      await releaseLease(db, lease);
    }
  });
});
