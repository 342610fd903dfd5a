import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHomeService } from "../../src/bot/home.js";
import { silentLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

/**
 * The App Home refresh on a real database: a change of what the tab shows republishes every recent viewer's tab,
 * and an aborted signal (the bot is stopping) stops the refresh between viewers instead of publishing them all.
 */
describe("the App Home refresh", () => {
  let database: TestDatabase;
  const published: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const homeService = () =>
    createHomeService({
      db: database.handle.db,
      logger: silentLogger(),
      now: () => new Date("2026-12-02T12:00:00Z"),
      sandbox: true,
      publish: async (userId) => {
        published.push(userId);
      },
      permalink: async () => undefined,
      minGapMs: 0,
    });
  // Something the tab shows changes: a finished reconcile run moves the fingerprint.
  const changeWhatTheTabShows = async (slot: string) => {
    const { db } = database.handle;
    await db.insertInto("runs").values({ job: "reconcile", slot, runner: "test" }).execute();
    await db
      .updateTable("runs")
      .set({ outcome: "succeeded", finished_at: new Date() })
      .where("slot", "=", slot)
      .execute();
  };

  it("republishes every recent viewer after a change, and stops between viewers once aborted", async () => {
    const home = homeService();
    await home.opened("U0VIEWER1");
    await home.opened("U0VIEWER2");
    expect(published).toEqual(["U0VIEWER1", "U0VIEWER2"]);

    await changeWhatTheTabShows("slot-1");
    const stopping = new AbortController();
    stopping.abort();
    await home.refresh(stopping.signal);
    expect(published).toHaveLength(2);

    // Still stale, so the next refresh that is not stopped publishes both.
    await home.refresh();
    expect(published.slice(2).sort()).toEqual(["U0VIEWER1", "U0VIEWER2"]);
  });
});
