import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../../src/clock.js";
import { resolvedCountsByWhom, resolvedTimes } from "../../src/db/resolved-actions.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

describe("the resolved-actions repository", () => {
  let database: TestDatabase;
  const until = new Date("2026-03-02T12:00:00.000Z");
  const since = new Date(until.getTime() - 24 * HOUR);

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE pending_actions CASCADE`.execute(database.handle.db);
  });

  const resolved = (minutes: number, by: string | null, resolvedAt = new Date(until.getTime() - HOUR)) =>
    insertPendingRow(database.handle.db, {
      state: "resolved",
      opened_at: new Date(resolvedAt.getTime() - minutes * MINUTE),
      resolved_at: resolvedAt,
      resolved_by: by,
    });

  it("answers nothing resolved with a zero count and no percentiles", async () => {
    expect(await resolvedTimes(database.handle.db, since, until)).toEqual({
      total: 0,
      medianSeconds: null,
      p90Seconds: null,
    });
    expect(await resolvedCountsByWhom(database.handle.db, since, until)).toEqual([]);
  });

  it("counts only resolutions inside (since, until], with their median and 90th percentile", async () => {
    for (const minutes of [10, 20, 30, 40, 50]) await resolved(minutes, "U1");
    await resolved(1000, "U1", since); // at `since`: outside the window
    await resolved(1000, "U1", new Date(until.getTime() + MINUTE)); // after `until`
    await insertPendingRow(database.handle.db, { opened_at: since });
    const times = await resolvedTimes(database.handle.db, since, until);
    expect(times.total).toBe(5);
    expect(times.medianSeconds).toBe(30 * 60);
    expect(times.p90Seconds).toBeCloseTo(46 * 60, 6);
  });

  it("counts resolutions per resolver, `system` for none recorded, most first then by name", async () => {
    await resolved(5, "U2");
    await resolved(5, "U1");
    await resolved(5, null);
    await resolved(5, "system");
    expect(await resolvedCountsByWhom(database.handle.db, since, until)).toEqual([
      { by: "system", count: 2 },
      { by: "U1", count: 1 },
      { by: "U2", count: 1 },
    ]);
  });
});
