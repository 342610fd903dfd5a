import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { trackedForSwap } from "../../src/db/reconcile.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

describe("the reconcile repository", () => {
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

  it("finds the unresolved actions a listed swap may change: its own and those of its card keys", async () => {
    const db = database.handle.db;
    const ofSwap = await insertPendingRow(db, { swap_id: "swp_9" });
    const ofKey = await insertPendingRow(db, {});
    await insertPendingRow(db, { swap_id: "swp_9", state: "resolved" });
    await insertPendingRow(db, {});
    const found = await trackedForSwap(db, "swp_9", [ofKey.card_key]);
    expect(found.map((r) => r.id).sort()).toEqual([ofSwap.id, ofKey.id].sort());
    expect((await trackedForSwap(db, "swp_9", [])).map((r) => r.id)).toEqual([ofSwap.id]);
  });
});
