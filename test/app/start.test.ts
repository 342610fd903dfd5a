import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botEnv, spawnBot } from "../support/bot-process.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

describe("npm start", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("exits non-zero within 5 s naming every missing variable", async () => {
    const started = Date.now();
    const bot = await spawnBot({});
    const code = await bot.waitExit(10_000);
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const name of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNEL_ID", "PEEKER_API_KEY"]) {
      expect(bot.output()).toContain(name);
    }
    expect(bot.output()).not.toMatch(/at .*\.ts:\d+/);
  });

  it("answers /healthz and /readyz with settings, and stops on SIGTERM", async () => {
    const bot = await spawnBot(botEnv({ DATABASE_URL: database.url }), { name: "start" });
    await bot.waitReady();
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect((await fetch(`${bot.url}/nowhere`)).status).toBe(404);
    bot.kill("SIGTERM");
    expect(await bot.waitExit()).toBe(0);
  });
});
