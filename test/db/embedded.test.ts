import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { silentLogger } from "../../src/logger.js";
import { botEnv, spawnBot } from "../support/bot-process.js";

function serverPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
}

async function count(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM keep_me")).rows[0].n);
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "peeker-embedded-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts, stops and restarts on the same DATA_DIR keeping its data", async () => {
    const first = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await client.query("CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1), (2)");
    await client.end();
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    expect(await count(second.url)).toBe(2);
    await second.stop();
  });

  it("a SIGKILLed bot leaves PostgreSQL running and the next start still succeeds", async () => {
    const env = botEnv({ DATA_DIR: dataDir });
    const bot = await spawnBot(env, { name: "embedded-kill" });
    const coldStartMs = await bot.waitReady(30_000);
    expect(coldStartMs).toBeLessThan(30_000);
    const pid = serverPid(dataDir);
    bot.kill("SIGKILL");
    await bot.waitExit();
    expect(isAlive(pid)).toBe(true);

    const again = await spawnBot(env, { name: "embedded-restart" });
    await again.waitReady(30_000);
    expect(again.output()).toContain("left running by an earlier process");
    expect(isAlive(pid)).toBe(false);
    const newPid = serverPid(dataDir);

    again.kill("SIGTERM");
    expect(await again.waitExit()).toBe(0);
    // Graceful shutdown stops the embedded server too.
    expect(isAlive(newPid)).toBe(false);
  });
});
