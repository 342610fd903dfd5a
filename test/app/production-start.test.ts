import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { botEnv, spawnBot } from "../support/bot-process.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

/**
 * No silent data loss (issue #13): under NODE_ENV=production a missing DATABASE_URL stops start-up with a message
 * naming it, instead of keeping the data in an embedded database a redeployed container would lose; the start-up
 * log says which database is used, never with its password; the fatal message is one JSON line off a terminal.
 */

const valid = {
  SLACK_BOT_TOKEN: "xoxb-111-222-abc",
  SLACK_SIGNING_SECRET: "signing-secret-value",
  SLACK_CHANNEL_ID: "C0123456789",
  PEEKER_API_KEY: "pk_test_abc123",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("the database choice in production", () => {
  it("refuses the embedded default under NODE_ENV=production, and accepts it when asked by name", () => {
    const problems = problemsOf({ ...valid, NODE_ENV: "production" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("DATABASE_URL");
    expect(problems[0]).toContain("DATABASE_URL=embedded");
    expect(
      loadConfig({ ...valid, NODE_ENV: "production", DATABASE_URL: "embedded" }).databaseUrl,
    ).toBeUndefined();
    expect(loadConfig({ ...valid, DATABASE_URL: "EMBEDDED" }).databaseUrl).toBeUndefined();
    // Outside production the zero-configuration default stays.
    expect(problemsOf({ ...valid, NODE_ENV: "development" })).toEqual([]);
    expect(problemsOf({ ...valid, DATABASE_URL: "mysql://x" })[0]).toContain("DATABASE_URL is malformed");
  });

  it("validates pool sizes and concurrency, with documented defaults", () => {
    const config = loadConfig(valid);
    expect(config.database).toEqual({ poolMax: 10, intakePoolMax: 10, statementTimeoutMs: 5000 });
    expect(config.inbox).toEqual({ concurrency: 4, batchSize: 25, coalesce: true, rereadBurst: 20 });
    expect(loadConfig({ ...valid, EVENT_COALESCING: "off" }).inbox.coalesce).toBe(false);
    expect(problemsOf({ ...valid, EVENT_COALESCING: "maybe" })[0]).toContain(
      'EVENT_COALESCING must be "on" or "off"',
    );
    expect(problemsOf({ ...valid, INBOX_REREAD_BURST: "0" })[0]).toContain("INBOX_REREAD_BURST");
    expect(config.retentionDays).toBe(90);
    expect(config.metricsPort).toBeUndefined();
    expect(problemsOf({ ...valid, DATABASE_POOL_MAX: "1" })[0]).toContain("DATABASE_POOL_MAX");
    expect(problemsOf({ ...valid, INBOX_CONCURRENCY: "12" })[0]).toContain("below DATABASE_POOL_MAX");
    expect(problemsOf({ ...valid, RETENTION_DAYS: "0" })[0]).toContain("RETENTION_DAYS");
    expect(problemsOf({ ...valid, METRICS_PORT: "http" })[0]).toContain("METRICS_PORT");
    expect(loadConfig({ ...valid, METRICS_PORT: "9464", RETENTION_CRON: "off" })).toMatchObject({
      metricsPort: 9464,
      retentionCron: undefined,
    });
  });
});

describe("start-up in production", () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), "peeker-prod-")), "data");
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("exits naming DATABASE_URL, as one JSON line, without creating an embedded database", async () => {
    const bot = await spawnBot(botEnv({ NODE_ENV: "production", DATA_DIR: dataDir }), { name: "prod-no-db" });
    // A bot that wrongly started is stopped (and so is its embedded server) rather than left running.
    const code = await bot.waitExit(10_000).catch(async (error: Error) => {
      bot.kill("SIGTERM");
      await bot.waitExit();
      throw error;
    });
    expect(code).toBe(1);
    const lines = bot.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    const fatal = JSON.parse(lines[0]!) as { level: number; msg: string; problems: string[] };
    expect(fatal.level).toBe(60);
    expect(fatal.msg).toContain("DATABASE_URL is required when NODE_ENV=production");
    expect(fatal.problems).toHaveLength(1);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("says which database it uses, without the password", async () => {
    const bot = await spawnBot(botEnv({ NODE_ENV: "production", DATABASE_URL: database.url }), {
      name: "prod-db",
    });
    await bot.waitReady();
    bot.kill("SIGTERM");
    expect(await bot.waitExit()).toBe(0);
    const line = bot
      .output()
      .split("\n")
      .find((l) => l.includes('"msg":"using DATABASE_URL"'));
    expect(line).toBeDefined();
    const logged = JSON.parse(line!) as { database: string; url: string };
    expect(logged.database).toBe("DATABASE_URL");
    const expected = new URL(database.url);
    expect(new URL(logged.url).host).toBe(expected.host);
    expect(new URL(logged.url).pathname).toBe(expected.pathname);
    if (expected.password) {
      expect(logged.url).toContain("***");
      expect(bot.output()).not.toContain(expected.password);
    }
  });
});
