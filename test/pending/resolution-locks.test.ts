import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import type { PendingActionRow } from "../../src/db/schema.js";
import { applySnapshot } from "../../src/pending/apply-snapshot.js";
import type { ResolveDeps } from "../../src/pending/resolution.js";
import { claimCard } from "../../src/pending/resolution-claim.js";
import { lock, release } from "../../src/pending/resolution-lock.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

/**
 * The row is the lock (design §3 "Locks and pauses"): claims and the `open` → `resolving` lock are conditional
 * updates, so however many people (or replicas) press at once, one wins. Re-reads keep what Slack wrote.
 */
describe("claims and locks on the database", () => {
  let database: TestDatabase;
  let deps: ResolveDeps;
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    deps = {
      db: database.handle.db,
      // Never called by these paths.
      peeker: {} as ResolveDeps["peeker"],
      publisher: createCardPublisher("C0TEST0001"),
      clock: { now: () => new Date("2026-05-08T12:00:00Z") },
      sandbox: true,
      wakeSender: () => {},
      isOperator: async () => true,
    };
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function insertRow(overrides: Partial<Record<string, unknown>> = {}): Promise<PendingActionRow> {
    seq++;
    const now = new Date("2026-05-08T11:00:00Z");
    return database.handle.db
      .insertInto("pending_actions")
      .values({
        card_key: `profile_picture_not_accessible:ord_lock_${seq}`,
        reason: "profile_picture_not_accessible",
        resource_kind: "order",
        resource_id: `ord_lock_${seq}`,
        order_id: `ord_lock_${seq}`,
        domain_id: null,
        domain: null,
        import_id: null,
        swap_id: null,
        user_id: "usr_1",
        customer_email: null,
        message: null,
        details: JSON.stringify({ personas: [] }),
        opened_at: now,
        last_seen_at: now,
        last_checked_at: now,
        claimed_by: null,
        claimed_at: null,
        resolving_by: null,
        resolving_since: null,
        resolving_note: null,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
        ...overrides,
      } as never)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  it("gives a card to exactly one of twenty simultaneous claimers and tells the rest who has it", async () => {
    const row = await insertRow();
    const users = Array.from({ length: 20 }, (_, i) => `U0USER${String(i).padStart(4, "0")}`);
    const results = await Promise.all(
      users.map((userId) => claimCard(deps, { userId, pendingActionId: row.id })),
    );
    const winners = results.flatMap((r, i) => ("row" in r ? [users[i]] : []));
    expect(winners).toHaveLength(1);
    for (const r of results)
      if ("refusal" in r) expect(r.refusal).toEqual({ kind: "claimed", by: winners[0] });
    const audit = await database.handle.db
      .selectFrom("audit_log")
      .select("actor")
      .where("pending_action_id", "=", row.id)
      .where("action", "=", "action.claimed")
      .execute();
    expect(audit.map((a) => a.actor)).toEqual(winners);
  });

  it("locks for one of twenty simultaneous submits, and only the holder can release it", async () => {
    const row = await insertRow();
    const users = Array.from({ length: 20 }, (_, i) => `U0LOCK${String(i).padStart(4, "0")}`);
    const results = await Promise.all(
      users.map((userId) => lock(deps, { userId, pendingActionId: row.id }, row, "Working on it")),
    );
    const holders = results.flatMap((r, i) => ("row" in r ? [users[i]!] : []));
    expect(holders).toHaveLength(1);
    for (const r of results)
      if ("refusal" in r) expect(r.refusal).toMatchObject({ kind: "resolving", by: holders[0] });

    const other = users.find((u) => u !== holders[0])!;
    await release(deps, { userId: other, pendingActionId: row.id }, "not mine");
    const still = await database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(still.state).toBe("resolving");
    await release(deps, { userId: holders[0]!, pendingActionId: row.id }, "done");
    const open = await database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(open.state).toBe("open");
    // A stale version (read before someone else's change) cannot lock.
    const stale = await lock(deps, { userId: other, pendingActionId: row.id }, row, "stale");
    expect("refusal" in stale).toBe(true);
  });

  it("keeps notes and a queued reorder through re-reads, and does not resolve a card waiting on its reorder", async () => {
    const row = await insertRow({
      state: "resolving",
      resolving_by: "U0HOLDER01",
      details: JSON.stringify({
        personas: [],
        notes: ["Customer notified by <@U0HOLDER01>"],
        queuedReorder: { originalOrderId: "ord_x", body: {}, loginFrom: "config", requestedBy: "U0HOLDER01" },
      }),
    });
    await database.handle.db.transaction().execute(async (trx) => {
      // A re-read that still lists the action with changed Peeker data, then one where it is gone.
      await applySnapshot(
        { trx, publisher: deps.publisher, now: new Date(), sandbox: true, source: "peeker", cause: "t1" },
        {
          scope: { column: "order_id", id: row.order_id!, kinds: ["order"] },
          open: [
            {
              cardKey: row.card_key,
              reason: row.reason,
              resourceKind: "order",
              resourceId: row.resource_id,
              orderId: row.order_id,
              peekerActionIds: ["act_1"],
              message: "changed",
              details: { personas: [], resourceStatus: "action_required" },
              openedAt: row.opened_at,
            },
          ],
          resolution: "",
          requestIds: [],
        },
      );
      await applySnapshot(
        { trx, publisher: deps.publisher, now: new Date(), sandbox: true, source: "reconcile", cause: "t2" },
        {
          scope: { column: "order_id", id: row.order_id!, kinds: ["order"] },
          open: [],
          resolution: "Order is cancelled",
          requestIds: [],
        },
      );
    });
    const after = await database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(after.state).toBe("resolving");
    expect(after.message).toBe("changed");
    expect(after.details).toMatchObject({
      resourceStatus: "action_required",
      notes: ["Customer notified by <@U0HOLDER01>"],
      queuedReorder: { originalOrderId: "ord_x" },
    });
  });
});
