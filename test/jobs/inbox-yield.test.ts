import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ClaimedEvent } from "../../src/db/webhook-events.repository.js";
import { createInboxProcessor } from "../../src/jobs/inbox-processor.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";
import { insertInboxEvent, processedEventCount } from "../support/inbox-events.js";

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

  const processorWith = (
    yielding: boolean,
    handle: (events: ClaimedEvent[]) => Promise<void>,
    yieldPaceMs?: number,
  ) =>
    createInboxProcessor({
      db: db(),
      workerId: "worker-yield",
      logger: createLogger({ level: "error" }),
      metrics: createMetrics(),
      pollMs: 50,
      concurrency: 4,
      yieldToIntake: () => yielding,
      yieldPaceMs,
      handle,
    });

  const run = async (
    yielding: boolean,
    handle: (events: ClaimedEvent[]) => Promise<void>,
    yieldPaceMs?: number,
  ) => {
    const processor = processorWith(yielding, handle, yieldPaceMs);
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

  it("lets at least its pace pass between two claims while the intake waits", async () => {
    const starts: number[] = [];
    const startedAt = performance.now();
    await run(
      true,
      async () => {
        starts.push(performance.now());
      },
      100,
    );
    expect(starts).toHaveLength(4);
    // The 4th claim cannot begin before three paces have passed since the start, however long each claim takes (a
    // slow machine only adds to it); a timer may fire up to a millisecond early, hence the 10 ms.
    expect(starts[3]! - startedAt).toBeGreaterThanOrEqual(3 * 100 - 10);
  });

  it("starts no new resource once stopped during its pause, and does not wait the pause out", async () => {
    const handled: string[] = [];
    // Far longer than the test may take: the second claim is only reached if stop() fails to end the pause.
    const processor = processorWith(
      true,
      async (events) => {
        handled.push(...events.map((e) => e.event_id));
      },
      60_000,
    );
    processor.start();
    // The first resource is marked processed: the next tick has begun and waits out its pace.
    await waitFor(async () => (await processedEventCount(db())) === 1, {
      what: "the first resource processed",
    });
    // Once stop() has resolved no tick can run any more.
    await processor.stop();
    expect(handled).toHaveLength(1);
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
