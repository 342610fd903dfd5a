import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HOUR } from "../../src/clock.js";
import {
  countBreachedByReason,
  countOpenByReason,
  countOpenClaimedBy,
  listOpenActions,
  listOpenActionsOf,
} from "../../src/db/open-actions.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

describe("the open-actions repository", () => {
  let database: TestDatabase;
  const now = new Date("2026-03-02T12:00:00.000Z");
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);
  const SLA = { replace_domain: 60, default: 240 };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE pending_actions CASCADE`.execute(database.handle.db);
  });

  const seed = async () => {
    const db = database.handle.db;
    const oldSwap = await insertPendingRow(db, {
      reason: "replace_domain",
      opened_at: ago(3),
      domain: "a.com",
    });
    const newSwap = await insertPendingRow(db, {
      reason: "replace_domain",
      opened_at: ago(0.5),
      claimed_by: "U1",
    });
    const picture = await insertPendingRow(db, { opened_at: ago(5), state: "resolving", claimed_by: "U1" });
    await insertPendingRow(db, { opened_at: ago(9), state: "resolved", claimed_by: "U1" });
    await db
      .insertInto("slack_cards")
      .values({
        pending_action_id: oldSwap.id,
        channel: "C0TEST",
        desired_text: "",
        desired_blocks: "[]",
        desired_metadata: "{}",
        desired_hash: "h",
        ts: "1.1",
      })
      .execute();
    return { oldSwap, newSwap, picture };
  };

  it("counts unresolved actions per reason, the reason with the oldest first", async () => {
    await seed();
    expect(await countOpenByReason(database.handle.db)).toEqual([
      { reason: "profile_picture_not_accessible", count: 1, oldest: ago(5) },
      { reason: "replace_domain", count: 2, oldest: ago(3) },
    ]);
  });

  it("counts and lists only the actions past their reason's SLA, the default for unlisted reasons", async () => {
    const { oldSwap, picture } = await seed();
    expect(await countBreachedByReason(database.handle.db, now, SLA)).toEqual([
      { reason: "profile_picture_not_accessible", count: 1, oldest: ago(5) },
      { reason: "replace_domain", count: 1, oldest: ago(3) },
    ]);
    const breached = await listOpenActions(database.handle.db, { limit: 10, breachedAt: { now, sla: SLA } });
    expect(breached.map((r) => r.id)).toEqual([picture.id, oldSwap.id]);
    expect(await countBreachedByReason(database.handle.db, now, { default: 600 })).toEqual([]);
  });

  it("lists open actions oldest first with their posted card, by reason, claimer and limit", async () => {
    const { oldSwap, newSwap, picture } = await seed();
    const all = await listOpenActions(database.handle.db, { limit: 10 });
    expect(all.map((r) => [r.id, r.channel, r.ts])).toEqual([
      [picture.id, null, null],
      [oldSwap.id, "C0TEST", "1.1"],
      [newSwap.id, null, null],
    ]);
    const swaps = await listOpenActions(database.handle.db, { limit: 10, reason: "replace_domain" });
    expect(swaps.map((r) => r.id)).toEqual([oldSwap.id, newSwap.id]);
    const mine = await listOpenActions(database.handle.db, { limit: 1, claimedBy: "U1" });
    expect(mine.map((r) => r.id)).toEqual([picture.id]);
  });

  it("finds the open actions of one resource, and counts a person's open claims", async () => {
    const { oldSwap } = await seed();
    expect((await listOpenActionsOf(database.handle.db, "domain", "a.com")).map((r) => r.id)).toEqual([
      oldSwap.id,
    ]);
    expect(await listOpenActionsOf(database.handle.db, "domain", "b.com")).toEqual([]);
    expect(await countOpenClaimedBy(database.handle.db, "U1")).toBe(2);
    expect(await countOpenClaimedBy(database.handle.db, "U2")).toBe(0);
  });
});
