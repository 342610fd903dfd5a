import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import type { PendingActionRow } from "../../src/db/schema.js";
import { createIntentSweepTimer, type IntentSweepTimer } from "../../src/jobs/intent-sweep-timer.js";
import { silentLogger } from "../../src/logger.js";
import { PeekerClient } from "../../src/peeker/client.js";
import { type IntentSweeperDeps, sweepIntents } from "../../src/pending/intent-sweeper.js";
import { INTENT_OWNER } from "../../src/pending/intents.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";
import { insertIntentRow } from "../support/pending-rows.js";
import { waitFor } from "../support/wait.js";

/**
 * The intent sweeper's own timer (src/jobs/intent-sweep-timer.ts) on a real database: it runs on every replica,
 * with no reconcile at all, and decides by worker heartbeats (migrations/0009_worker_heartbeats.sql) whether the
 * process that locked a card is gone — not by its hostname or pid.
 */
describe("intent sweep timer", () => {
  let database: TestDatabase;
  let deps: IntentSweeperDeps;
  let timer: IntentSweepTimer | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    deps = {
      db: database.handle.db,
      // A `lock` intent is settled without Peeker: nothing was sent.
      peeker: {} as IntentSweeperDeps["peeker"],
      publisher: createCardPublisher("C0CARDS001"),
      now: () => new Date(),
      wakeSender: () => {},
    };
  });
  afterAll(async () => {
    await timer?.stop();
    await database?.drop();
  });

  const lockedBy = (owner: string, heartbeatAge?: string) =>
    insertIntentRow(database.handle.db, { owner, ...(heartbeatAge ? { heartbeatAge } : {}) });
  const stateOf = async (row: PendingActionRow) =>
    (
      await database.handle.db
        .selectFrom("pending_actions")
        .select("state")
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow()
    ).state;
  const ownBeat = async () =>
    (
      await database.handle.db
        .selectFrom("worker_heartbeats")
        .select("last_seen")
        .where("owner", "=", INTENT_OWNER)
        .executeTakeFirst()
    )?.last_seen;

  it("keeps a cancel's intent while Peeker cannot be read, and settles it once Peeker answers", async () => {
    // "Could not look" must never pass for "not cancelled": that would open a card whose original is cancelled.
    const sim = await startPeekerSim();
    try {
      const { order } = sim.control.seedOrder({ domains: ["sweep-cancel.com"] });
      const row = await insertIntentRow(database.handle.db, {
        owner: INTENT_OWNER,
        kind: "order_cancel",
        payload: { original_order_id: order.id, queued: { originalOrderId: order.id } },
      });
      const peeker = new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: sim.url });
      const withSim = { ...deps, peeker };
      sim.control.injectFault({
        route: "GET /orders/{id}",
        times: "always",
        fault: { kind: "error", status: 500 },
      });
      expect(await sweepIntents(withSim)).toEqual({ completed: 0, released: 0 });
      expect(await stateOf(row)).toBe("resolving");
      sim.control.clearFaults();
      expect(await sweepIntents(withSim)).toEqual({ completed: 0, released: 1 });
      expect(await stateOf(row)).toBe("open");
    } finally {
      await sim.close();
    }
  });

  it("stops between rows once shut down", async () => {
    // Our own process, no flow in flight: abandoned, so only the signal can keep it.
    const row = await lockedBy(INTENT_OWNER);
    const counts = await sweepIntents(deps, AbortSignal.abort());
    expect(counts).toEqual({ completed: 0, released: 0 });
    expect(await stateOf(row)).toBe("resolving");
    await sweepIntents(deps);
    expect(await stateOf(row)).toBe("open");
  });

  it("reopens, with no reconcile, a card whose owner (another pod) stopped beating", async () => {
    timer = createIntentSweepTimer({ ...deps, logger: silentLogger(), periodMs: 200 });
    timer.start();
    // The first (start-up) sweep is over once our heartbeat exists: what follows is the timer's work.
    await waitFor(ownBeat, { what: "this process's heartbeat" });
    const owner = "peeker-bot-7f9c-old:1:a1b2c3";
    // Locked a moment ago on another host: by age alone it would wait FOREIGN_INTENT_STALE_MS (5 minutes).
    const row = await lockedBy(owner, "10 minutes");
    await waitFor(async () => ((await stateOf(row)) === "open" ? true : undefined), {
      what: "the card reopened by the timer",
    });
  });

  it("leaves alone a card whose owner is alive, even with our hostname and pid", async () => {
    // Another container of this host, also pid `process.pid` (host network, both pid 1): alive by its heartbeat.
    const owner = `${hostname()}:${process.pid}:ffffff`;
    const row = await lockedBy(owner, "-1 hour");
    // Two of our beats after the insert: at least one whole sweep saw the row.
    const first = await ownBeat();
    const second = await waitFor(
      async () => {
        const at = await ownBeat();
        return at && first && at > first ? at : undefined;
      },
      { what: "a sweep after the insert" },
    );
    await waitFor(
      async () => {
        const at = await ownBeat();
        return at && at > second ? at : undefined;
      },
      { what: "a second sweep after the insert" },
    );
    expect(await stateOf(row)).toBe("resolving");
  });
});
