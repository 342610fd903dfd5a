import { Writable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createInboxProcessor } from "../../src/jobs/inbox-processor.js";
import { createLogger } from "../../src/logger.js";
import { createMetrics } from "../../src/metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";
import { insertInboxEvent } from "../support/inbox-events.js";

/**
 * Inbox lease renewal on a real database (issue #10 item 9). PostgreSQL itself makes the failures: a trigger
 * refuses the renewal of some rows, or the recording of some failures. Renewal errors are logged and counted,
 * each event's renewal is independent of the others' and of a failing runner, and an event whose lease could
 * not be renewed is neither applied further nor marked by this worker.
 */
const LEASE_SECONDS = 1.5;

describe("inbox lease renewal", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await sql`
      CREATE FUNCTION test_refuse_inbox_writes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- A renewal: only locked_until moves.
        IF OLD.event_id LIKE 'evt_badrenew%' AND NEW.locked_by IS NOT DISTINCT FROM OLD.locked_by
           AND NEW.attempts = OLD.attempts AND NEW.processed_at IS NULL
           AND NEW.locked_until IS DISTINCT FROM OLD.locked_until THEN
          RAISE EXCEPTION 'renewal refused for %', OLD.event_id;
        END IF;
        -- Recording a failure (retry or failed): last_error is set.
        IF OLD.event_id LIKE 'evt_failmark%' AND NEW.last_error IS NOT NULL THEN
          RAISE EXCEPTION 'failure record refused for %', OLD.event_id;
        END IF;
        RETURN NEW;
      END $$`.execute(database.handle.db);
    await sql`CREATE TRIGGER test_refuse_inbox_writes BEFORE UPDATE ON webhook_events
              FOR EACH ROW EXECUTE FUNCTION test_refuse_inbox_writes()`.execute(database.handle.db);
  });
  afterAll(() => database.drop());
  // Each test starts from an empty inbox: a lost event of the first must not take a runner of the second.
  beforeEach(() => sql`TRUNCATE webhook_events`.execute(database.handle.db).then(() => undefined));

  const insert = (id: string) => insertInboxEvent(database.handle.pool, id);
  const rowOf = (id: string) =>
    database.handle.db
      .selectFrom("webhook_events")
      .select([
        "event_id",
        "processed_at",
        "locked_until",
        "attempts",
        sql<boolean>`locked_until > now()`.as("live"),
      ])
      .where("event_id", "=", id)
      .executeTakeFirstOrThrow();

  function harness(handle: (id: string, signal: AbortSignal) => Promise<void>) {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const metrics = createMetrics();
    const processor = createInboxProcessor({
      db: database.handle.db,
      workerId: "worker-a",
      logger: createLogger({ level: "info", destination }),
      metrics,
      leaseSeconds: LEASE_SECONDS,
      concurrency: 2,
      pollMs: 100,
      handle: (events, { signal }) => handle(events[0]!.event_id, signal),
    });
    const renewals = async (outcome: string) =>
      (await metrics.inboxLeaseRenewals.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    return { processor, lines, renewals };
  }

  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };

  it("logs and counts a failed renewal, keeps renewing the others, and marks nothing it lost", {
    timeout: 30_000,
  }, async () => {
    await insert("evt_good");
    await insert("evt_badrenew_1");
    const first = gate();
    const again = gate();
    const signals = new Map<string, AbortSignal[]>();
    const { processor, lines, renewals } = harness(async (id, signal) => {
      signals.set(id, [...(signals.get(id) ?? []), signal]);
      // A second round of the lost event (claimed again once its lease lapsed) waits for the end of the test.
      await ((signals.get(id)?.length ?? 0) > 1 ? again.opened : first.opened);
    });
    const claimedAt = Date.now();
    processor.start();
    try {
      await waitFor(() => signals.get("evt_badrenew_1")?.[0]?.aborted, {
        timeoutMs: 10_000,
        what: "the unrenewable event's signal aborted",
      });
      expect(await renewals("error")).toBeGreaterThan(0);
      expect(await renewals("lost")).toBe(1);
      expect(
        lines.some((l) => l.includes("could not renew inbox leases") && l.includes("renewal refused")),
      ).toBe(true);
      // The other event's lease went on being renewed past the claim's lease, independently.
      await waitFor(
        async () => {
          const good = await rowOf("evt_good");
          return good.live && good.locked_until!.getTime() > claimedAt + LEASE_SECONDS * 1000 + 500;
        },
        { timeoutMs: 10_000, what: "evt_good renewed past its first lease" },
      );
      expect(signals.get("evt_good")?.[0]?.aborted).toBe(false);

      first.open();
      await waitFor(async () => (await rowOf("evt_good")).processed_at !== null, {
        what: "evt_good processed",
      });
      // Marked in the batch's one statement, which has run: the lost event is not among the marked.
      expect((await rowOf("evt_badrenew_1")).processed_at).toBeNull();
    } finally {
      again.open();
      await processor.stop();
    }
  });

  it("keeps renewing the other events when one runner fails to record its failure", {
    timeout: 30_000,
  }, async () => {
    await insert("evt_failmark_1");
    await insert("evt_slow");
    const slow = gate();
    const handled: string[] = [];
    const { processor, lines } = harness(async (id) => {
      handled.push(id);
      if (id.startsWith("evt_failmark")) throw new Error("Peeker said no");
      await slow.opened;
    });
    const claimedAt = Date.now();
    processor.start();
    try {
      await waitFor(() => lines.some((l) => l.includes("could not record an event's failure")), {
        timeoutMs: 10_000,
        what: "the failing runner's failure",
      });
      // Twice the lease later the slow event is still held by its first claim, renewed all along.
      await waitFor(
        async () => {
          const row = await rowOf("evt_slow");
          return row.live && row.locked_until!.getTime() > claimedAt + 2 * LEASE_SECONDS * 1000
            ? row
            : undefined;
        },
        { timeoutMs: 10_000, what: "evt_slow renewed past twice its lease" },
      );
      expect((await rowOf("evt_slow")).attempts).toBe(1);
      expect(handled.filter((id) => id === "evt_slow")).toHaveLength(1);
      slow.open();
      await waitFor(async () => (await rowOf("evt_slow")).processed_at !== null, {
        what: "evt_slow processed",
      });
    } finally {
      slow.open();
      await sql`DELETE FROM webhook_events WHERE event_id LIKE 'evt_failmark%'`.execute(database.handle.db);
      await processor.stop();
    }
  });
});
