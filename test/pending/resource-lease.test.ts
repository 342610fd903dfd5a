import { sql } from "kysely";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import { PeekerClient } from "../../src/peeker/client.js";
import { refreshFromPeeker } from "../../src/pending/refresh-from-peeker.js";
import { releaseLease, takeLease } from "../../src/pending/resource-lease.js";
import { type CardRef, resourceOf } from "../../src/pending/resource-model.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { waitFor } from "../support/e2e.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";

/**
 * The per-resource lease and read ordering (src/pending/resource-lease.ts) on a real database and the
 * simulator: no transaction is open while Peeker answers, so ordering rests on the read numbers alone.
 */
describe("resource reads", () => {
  let database: TestDatabase;
  let sim: PeekerSim;
  const agent = new Agent();
  beforeAll(async () => {
    [database, sim] = await Promise.all([createTestDatabase(), startPeekerSim()]);
  });
  afterAll(async () => {
    await Promise.all([database.drop(), sim.close(), agent.close()]);
  });

  const db = () => database.handle.db;
  const deps = () => ({
    db: db(),
    publisher: createCardPublisher("C0TEST"),
    sandbox: true,
    now: () => new Date(),
  });
  const reader = () => new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: sim.url, dispatcher: agent });
  const importCard = (id: string): CardRef => ({
    card_key: `update_nameservers:${id}`,
    resource_kind: "domain_import",
    resource_id: id,
    order_id: null,
    domain_id: null,
    import_id: id,
    swap_id: null,
  });
  const row = (key: string) =>
    db().selectFrom("pending_actions").selectAll().where("card_key", "=", key).executeTakeFirstOrThrow();

  it("an older snapshot that answers last never overwrites a newer one", async () => {
    const imp = sim.control.seedImport({ domains: ["older-newer.com"], status: "action_required" });
    const resource = resourceOf(importCard(imp.id));
    if (!resource) throw new Error("an import card names its import");
    const first = await refreshFromPeeker(deps(), reader(), resource, {
      source: "peeker",
      cause: "t1",
      lease: true,
    });
    expect(first).toMatchObject({ kind: "applied", result: { opened: 1 } });

    // Read A asks while the action is open; its answer is held until read B (begun later) has applied.
    let release!: () => void;
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    sim.control.injectFault({
      route: `GET /domains/import/${imp.id}`,
      fault: { kind: "hold_answer", until },
    });
    const asked = sim.control.requests({ path: `/domains/import/${imp.id}` }).length;
    const older = refreshFromPeeker(deps(), reader(), resource, {
      source: "peeker",
      cause: "A",
      lease: true,
    });
    await waitFor(() => sim.control.requests({ path: `/domains/import/${imp.id}` }).length > asked, {
      what: "read A asked Peeker",
    });
    // While A waits on Peeker, the bot holds no transaction (nothing idle in transaction on this database).
    const idle = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'idle in transaction'`.execute(db());
    expect(idle.rows[0]?.n).toBe(0);

    sim.control.complete("import", imp.id);
    const newer = await refreshFromPeeker(deps(), reader(), resource, {
      source: "peeker",
      cause: "B",
      lease: false,
    });
    expect(newer).toMatchObject({ kind: "applied", result: { resolved: 1 } });
    expect((await row(`update_nameservers:${imp.id}`)).state).toBe("resolved");

    release();
    const late = await older;
    expect(late).toMatchObject({ kind: "applied", superseded: 1, result: { reopened: 0 } });
    expect((await row(`update_nameservers:${imp.id}`)).state).toBe("resolved");
  });

  it("a leased resource is left to its holder; an expired lease is taken over, and the old holder cannot give it back", async () => {
    const held = await takeLease(db(), "order:ord_lease_1", 60);
    expect(held).toBeDefined();
    expect(await takeLease(db(), "order:ord_lease_1", 60)).toBeUndefined();
    if (held) await releaseLease(db(), held);
    const again = await takeLease(db(), "order:ord_lease_1", 0);
    expect(again).toBeDefined();
    // A lease of 0 s has run out at once: the holder "died"; another worker takes it.
    await waitFor(async () => {
      const row = await db()
        .selectFrom("resource_reads")
        .select(sql<boolean>`leased_until < clock_timestamp()`.as("expired"))
        .where("resource_key", "=", "order:ord_lease_1")
        .executeTakeFirstOrThrow();
      return row.expired;
    });
    const takeover = await takeLease(db(), "order:ord_lease_1", 60);
    expect(takeover).toBeDefined();
    if (again) await releaseLease(db(), again);
    // The dead holder's late release did not free the new holder's lease.
    const row = await db()
      .selectFrom("resource_reads")
      .select(["lease_token", sql<boolean>`leased_until > clock_timestamp()`.as("running")])
      .where("resource_key", "=", "order:ord_lease_1")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lease_token: takeover?.seq, running: true });
    expect(BigInt(takeover?.seq ?? 0)).toBeGreaterThan(BigInt(again?.seq ?? 0));
  });
});
