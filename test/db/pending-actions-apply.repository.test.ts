import { sql, type Transaction } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  insertActionIfNew,
  lockActionsOfRead,
  touchActions,
  updateActionFromRead,
} from "../../src/db/pending-actions-apply.repository.js";
import type { Database } from "../../src/db/schema.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";
import { waitFor } from "../support/wait.js";

describe("the apply repository of pending_actions", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE pending_actions CASCADE`.execute(database.handle.db);
  });

  const inTransaction = <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> =>
    database.handle.db.transaction().execute(work);

  it("locks the rows of the card keys, resolved or not, and the unresolved rows of each scope of the right kinds", async () => {
    const db = database.handle.db;
    const keyed = await insertPendingRow(db, { state: "resolved" });
    const inScope = await insertPendingRow(db, { order_id: "ord_s", resource_kind: "order" });
    await insertPendingRow(db, { order_id: "ord_s", resource_kind: "domain" });
    await insertPendingRow(db, { order_id: "ord_s", state: "resolved" });
    await insertPendingRow(db, {});
    const rows = await inTransaction(async (trx) =>
      lockActionsOfRead(trx, [keyed.card_key], [{ column: "order_id", id: "ord_s", kinds: ["order"] }]),
    );
    expect(rows.map((r) => r.id)).toEqual([keyed.id, inScope.id]);
    expect(await inTransaction(async (trx) => lockActionsOfRead(trx, [], []))).toEqual([]);
  });

  it("holds the lock until the transaction ends: another locker waits", async () => {
    const row = await insertPendingRow(database.handle.db, {});
    const order: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = inTransaction(async (trx) => {
      await lockActionsOfRead(trx, [row.card_key], []);
      order.push("first locked");
      await held;
      order.push("first done");
    });
    await waitFor(() => order.includes("first locked"), { what: "the first lock" });
    const second = inTransaction(async (trx) => {
      await lockActionsOfRead(trx, [row.card_key], []);
      order.push("second locked");
    });
    // The second locker is seen waiting on a row lock in PostgreSQL before the first lets go.
    await waitFor(
      async () =>
        (
          await sql<{ waiting: number }>`SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(database.handle.db)
        ).rows[0]?.waiting,
      { what: "the second locker to wait on the lock" },
    );
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first locked", "first done", "second locked"]);
  });

  it("inserts a new card's action once: a taken card key answers undefined", async () => {
    const now = new Date();
    const values = {
      card_key: "replace_domain:dom_new",
      reason: "replace_domain",
      resource_kind: "swap",
      resource_id: "swp_1",
      order_id: null,
      domain_id: "dom_new",
      domain: null,
      import_id: null,
      swap_id: "swp_1",
      user_id: null,
      customer_email: null,
      message: null,
      details: "{}",
      opened_at: now,
      last_seen_at: now,
      last_checked_at: now,
    };
    const inserted = await inTransaction(async (trx) => insertActionIfNew(trx, values));
    expect(inserted).toMatchObject({ card_key: "replace_domain:dom_new", state: "open", version: 1 });
    expect(await inTransaction(async (trx) => insertActionIfNew(trx, values))).toBeUndefined();
  });

  it("writes a change with a version bump, and confirms without one", async () => {
    const row = await insertPendingRow(database.handle.db, {});
    const updated = await inTransaction(async (trx) =>
      updateActionFromRead(trx, row.id, { message: "Peeker says so" }),
    );
    expect(updated).toMatchObject({ version: row.version + 1, message: "Peeker says so" });
    const seenAt = new Date(Date.UTC(2026, 0, 1));
    await inTransaction(async (trx) => touchActions(trx, [row.id], seenAt));
    const after = await database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ version: row.version + 1, last_seen_at: seenAt, last_checked_at: seenAt });
  });
});
