import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClaimedEvent } from "../../src/db/webhook-events.repository.js";
import { createInboxProcessor } from "../../src/jobs/inbox-processor.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";
import { insertInboxEvent } from "../support/inbox-events.js";

/**
 * The processor yields to the webhook intake (src/jobs/inbox-processor.ts `yieldToIntake`, issue #14 item 2): while
 * the intake waits for database connections, one resource at a time; otherwise side by side. Real database.
 */
describe("the inbox processor under a flood of deliveries", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());
  beforeEach(async () => {
    await sql`TRUNCATE webhook_events, resource_reads`.execute(db());
    for (const n of [1, 2, 3, 4]) {
      await insertInboxEvent(database.handle.pool, `evt_${n}`, "order.action_required", `order:ord_${n}`);
    }
  });

  const allProcessed = async () =>
    (await db().selectFrom("webhook_events").select("processed_at").execute()).every((r) => r.processed_at);

  const run = async (yielding: boolean, handle: (events: ClaimedEvent[]) => Promise<void>) => {
    const processor = createInboxProcessor({
      db: db(),
      workerId: "worker-yield",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      pollMs: 50,
      concurrency: 4,
      yieldToIntake: () => yielding,
      handle,
    });
    processor.start();
    try {
      await waitFor(allProcessed, { what: "every event processed" });
    } finally {
      await processor.stop();
    }
  };

  it("works on one resource at a time while the intake waits", async () => {
    let active = 0;
    let most = 0;
    await run(true, async () => {
      active++;
      most = Math.max(most, active);
      // A turn of the event loop: a second runner, if there were one, would start meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      active--;
    });
    expect(most).toBe(1);
  });

  it("starts no two resources closer than its pace while the intake waits", async () => {
    const starts: number[] = [];
    const processor = createInboxProcessor({
      db: db(),
      workerId: "worker-yield",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      pollMs: 50,
      concurrency: 4,
      yieldToIntake: () => true,
      yieldPaceMs: 100,
      handle: async () => {
        starts.push(performance.now());
      },
    });
    processor.start();
    try {
      await waitFor(allProcessed, { what: "every event processed" });
    } finally {
      await processor.stop();
    }
    expect(starts).toHaveLength(4);
    // The pace is a floor: a slow machine only widens the gaps.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(99);
  });

  it("works on several resources side by side otherwise", async () => {
    let started = 0;
    let allStarted: () => void = () => {};
    const together = new Promise<void>((resolve) => {
      allStarted = resolve;
    });
    // Each call waits until all four have started: only runners side by side get past this.
    await run(false, async () => {
      if (++started === 4) allStarted();
      await together;
    });
    expect(started).toBe(4);
  });
});
