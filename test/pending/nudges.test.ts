import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CardPublisher } from "../../src/pending/apply-snapshot.js";
import type { CardChange } from "../../src/pending/changes.js";
import { runNudges } from "../../src/pending/nudges.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const HOUR = 60 * 60_000;
const SLA = { default: 240, update_nameservers: 1440 };

/** runNudges against real PostgreSQL with a recording publisher: mentions, periods and batching. */
describe("runNudges", () => {
  let database: TestDatabase;
  const lines: { id: string; change: CardChange }[] = [];
  const publisher: CardPublisher = {
    publish: async () => {},
    threadLine: async (_trx, row, change) => {
      lines.push({ id: row.id, change });
    },
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    lines.length = 0;
    await database.handle.db.deleteFrom("slack_cards").execute();
    await database.handle.db.deleteFrom("pending_actions").execute();
  });

  const seed = async (count: number, openedAt: Date, extra: { claimed_by?: string; held?: boolean } = {}) => {
    const rows = await database.handle.db
      .insertInto("pending_actions")
      .values(
        Array.from({ length: count }, (_, i) => ({
          card_key: `replace_domain:dom_${openedAt.getTime()}_${i}_${Math.random()}`,
          reason: "replace_domain",
          resource_kind: "domain",
          resource_id: `dom_${i}`,
          details: "{}",
          opened_at: openedAt,
          last_seen_at: openedAt,
          last_checked_at: openedAt,
          claimed_by: extra.claimed_by ?? null,
        })),
      )
      .returning("id")
      .execute();
    await database.handle.db
      .insertInto("slack_cards")
      .values(
        rows.map((r) => ({
          pending_action_id: r.id,
          channel: "C0TEST",
          desired_text: "",
          desired_blocks: "[]",
          desired_metadata: "{}",
          desired_hash: "h",
          posted_hash: "h",
          ts: "1.1",
          held: extra.held ?? false,
        })),
      )
      .execute();
    return rows.map((r) => r.id);
  };

  const nudge = (now: Date, operators: string[] = [], limit?: number) =>
    runNudges({ db: database.handle.db, publisher, sla: SLA, operators, now, ...(limit ? { limit } : {}) });

  it("mentions nobody when SLACK_OPERATORS names no user group, and never @channel or @here", async () => {
    const now = new Date();
    await seed(1, new Date(now.getTime() - 5 * HOUR));
    expect(await nudge(now, ["U0OPERATOR", "W0OTHER"])).toEqual({ nudged: 1, more: false });
    expect(lines[0]?.change).toEqual({
      kind: "nudge",
      waitedMs: 5 * HOUR,
      slaMs: 4 * HOUR,
      users: [],
      groups: [],
    });
  });

  it("nudges each period once: not before the SLA, once in period 1, again only in period 2", async () => {
    const opened = new Date("2026-03-02T08:00:00Z");
    await seed(1, opened);
    const at = (hours: number) => new Date(opened.getTime() + hours * HOUR);
    expect((await nudge(at(3.9))).nudged).toBe(0);
    expect((await nudge(at(4))).nudged).toBe(1);
    expect((await nudge(at(7.9))).nudged).toBe(0);
    expect((await nudge(at(8.1))).nudged).toBe(1);
    expect((await nudge(at(8.2))).nudged).toBe(0);
    expect(lines).toHaveLength(2);
  });

  it("batches: at most `limit` per run, the oldest first, the rest on the next run; held cards wait", async () => {
    const now = new Date();
    const oldest = await seed(2, new Date(now.getTime() - 10 * HOUR));
    await seed(3, new Date(now.getTime() - 5 * HOUR));
    await seed(1, new Date(now.getTime() - 20 * HOUR), { held: true });
    expect(await nudge(now, [], 2)).toEqual({ nudged: 2, more: true });
    expect(lines.map((l) => l.id).sort()).toEqual([...oldest].sort());
    expect(await nudge(now, [], 10)).toEqual({ nudged: 3, more: false });
    expect(await nudge(now, [], 10)).toEqual({ nudged: 0, more: false });
  });

  it("two runs at once nudge a period once", async () => {
    const now = new Date();
    await seed(20, new Date(now.getTime() - 5 * HOUR));
    const [a, b] = await Promise.all([nudge(now), nudge(now)]);
    expect(a!.nudged + b!.nudged).toBe(20);
    expect(new Set(lines.map((l) => l.id)).size).toBe(20);
  });
});
