import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HOUR } from "../../src/clock.js";
import { knownDomainIdOf, knownUserIdOf } from "../../src/db/known-ids.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

describe("the known-ids repository", () => {
  let database: TestDatabase;
  const ago = (hours: number) => new Date(Date.UTC(2026, 2, 2, 12) - hours * HOUR);
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE pending_actions CASCADE`.execute(database.handle.db);
  });

  it("knows a domain's id and a customer's id from what the actions recorded", async () => {
    const db = database.handle.db;
    await insertPendingRow(db, { domain: "c.com", domain_id: "dom_old", updated_at: ago(2) });
    await insertPendingRow(db, { domain: "c.com", domain_id: "dom_new", updated_at: ago(1) });
    await insertPendingRow(db, { domain: "c.com", domain_id: null });
    await insertPendingRow(db, { customer_email: "Ann@Example.com", user_id: "usr_ann", opened_at: ago(1) });
    await insertPendingRow(db, { customer_email: "ann@example.com", user_id: null, opened_at: ago(0) });
    expect(await knownDomainIdOf(db, "c.com")).toBe("dom_new");
    expect(await knownDomainIdOf(db, "d.com")).toBeUndefined();
    expect(await knownUserIdOf(db, "ann@example.com")).toBe("usr_ann");
    expect(await knownUserIdOf(db, "bob@example.com")).toBeUndefined();
  });
});
