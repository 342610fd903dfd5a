import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../../src/clock.js";
import { dueNudges, markNudged } from "../../src/db/sla-nudges.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

describe("the SLA nudges repository", () => {
  let database: TestDatabase;
  const now = new Date("2026-03-02T12:00:00.000Z");
  const SLA = { default: 60 };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE pending_actions CASCADE`.execute(database.handle.db);
  });

  const withCard = async (openedAt: Date, extra: { held?: boolean; state?: string } = {}) => {
    const row = await insertPendingRow(database.handle.db, {
      opened_at: openedAt,
      ...(extra.state ? { state: extra.state } : {}),
    });
    await database.handle.db
      .insertInto("slack_cards")
      .values({
        pending_action_id: row.id,
        channel: "C0TEST",
        desired_text: "",
        desired_blocks: "[]",
        desired_metadata: "{}",
        desired_hash: "h",
        ts: "1.1",
        held: extra.held ?? false,
      })
      .execute();
    return row;
  };

  it("finds open, posted actions past their SLA with the start of the period they are in, oldest first", async () => {
    const older = await withCard(new Date(now.getTime() - 150 * MINUTE));
    const breached = await withCard(new Date(now.getTime() - 70 * MINUTE));
    await withCard(new Date(now.getTime() - 30 * MINUTE));
    await withCard(new Date(now.getTime() - 5 * HOUR), { held: true });
    await withCard(new Date(now.getTime() - 5 * HOUR), { state: "resolving" });
    await insertPendingRow(database.handle.db, { opened_at: new Date(now.getTime() - 5 * HOUR) });
    const due = await dueNudges(database.handle.db, { now, sla: SLA, limit: 10 });
    expect(due.map((d) => [d.id, d.sla_min, d.period_start.toISOString()])).toEqual([
      [older.id, 60, new Date(older.opened_at.getTime() + 2 * HOUR).toISOString()],
      [breached.id, 60, new Date(breached.opened_at.getTime() + HOUR).toISOString()],
    ]);
    expect(await dueNudges(database.handle.db, { now, sla: SLA, limit: 1 })).toHaveLength(1);
  });

  it("marks a period once: a second mark of it, or of an older one, finds nothing", async () => {
    const row = await withCard(new Date(now.getTime() - 150 * MINUTE));
    const [due] = await dueNudges(database.handle.db, { now, sla: SLA, limit: 10 });
    if (!due) throw new Error("the action is due");
    expect((await markNudged(database.handle.db, row.id, due.period_start))?.sla_nudged_for).toEqual(
      due.period_start,
    );
    expect(await markNudged(database.handle.db, row.id, due.period_start)).toBeUndefined();
    expect(
      await markNudged(database.handle.db, row.id, new Date(due.period_start.getTime() - HOUR)),
    ).toBeUndefined();
    expect(await dueNudges(database.handle.db, { now, sla: SLA, limit: 10 })).toEqual([]);
  });
});
