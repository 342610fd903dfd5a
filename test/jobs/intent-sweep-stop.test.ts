import { sql } from "kysely";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import { createIntentSweepTimer } from "../../src/jobs/intent-sweep-timer.js";
import { silentLogger } from "../../src/logger.js";
import { PeekerClient } from "../../src/peeker/client.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";
import { insertIntentRow } from "../support/pending-rows.js";
import { waitFor } from "../support/wait.js";

/**
 * Review item 9: stopping the intent sweep timer waits for the sweep in flight (a Peeker look-up held open), so
 * the composition root (src/app/bot.ts) closes the pools only after it — and that sweep still finishes the row
 * it had started.
 */
describe("intent sweep timer stop", () => {
  let database: TestDatabase;
  let sim: PeekerSim;
  const agent = new Agent();
  beforeAll(async () => {
    [database, sim] = await Promise.all([createTestDatabase(), startPeekerSim()]);
  });
  afterAll(async () => {
    await Promise.all([database.drop(), sim.close(), agent.close()]);
  });

  it("resolves only after the sweep in flight ended", { timeout: 30_000 }, async () => {
    const db = database.handle.db;
    const row = await insertIntentRow(db, {
      owner: "peeker-bot-1a2b-gone:1:0d0e0f",
      heartbeatAge: "1 hour",
      kind: "swap_create",
      payload: { domain_id: "dom_held", replacement: "held-new.com", type: "domain" },
    });
    let answer!: () => void;
    const until = new Promise<void>((resolve) => {
      answer = resolve;
    });
    sim.control.injectFault({ route: "GET /swaps", fault: { kind: "hold_answer", until } });
    const timer = createIntentSweepTimer({
      db,
      peeker: new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: sim.url, dispatcher: agent }),
      publisher: createCardPublisher("C0CARDS001"),
      now: () => new Date(),
      wakeSender: () => {},
      logger: silentLogger(),
      periodMs: 60_000,
    });
    timer.start();
    await waitFor(() => sim.control.requests({ method: "GET", path: "/swaps" }).length > 0, {
      what: "the sweep looking the swap up in Peeker",
    });

    let stopped = false;
    const stopping = timer.stop().then(() => {
      stopped = true;
    });
    // A database round trip later a stop that did not wait would have resolved.
    await sql`SELECT 1`.execute(db);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    answer();
    await stopping;
    const after = await db
      .selectFrom("pending_actions")
      .select(["state", "intent_kind"])
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    // The row it had started was finished (no swap in Peeker: released), not cut half-way.
    expect(after).toEqual({ state: "open", intent_kind: null });
  });
});
