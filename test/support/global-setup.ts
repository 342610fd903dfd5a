import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { migrate } from "../../src/db/migrate.js";
import { silentLogger } from "../../src/logger.js";
import { FAILED_MARKER } from "./bot-process.js";
import { CANARY_SECRETS } from "./canaries.js";

/**
 * One database server for the whole run: the machine's when TEST_DATABASE_URL names it (an admin URL such as
 * postgres://postgres@127.0.0.1:5432/postgres), otherwise an embedded PostgreSQL in a temporary folder. A
 * migrated template database is built once; each test file clones it (test/support/db.ts).
 */

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  // Bot processes of this run log under one folder (test/support/bot-process.ts); teardown greps it for secrets.
  process.env.PEEKER_TEST_RUN = `run-${process.pid}-${Date.now()}`;
  const logDir = path.join(tmpdir(), "peeker-test-logs", process.env.PEEKER_TEST_RUN);
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(tmpdir(), "peeker-test-db-"));
    embedded = await startEmbeddedPostgres({ dataDir, logger: silentLogger() });
    adminUrl = embedded.adminUrl;
  }
  const templateDatabase = `peeker_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const pool = new pg.Pool({ connectionString: withDatabase(adminUrl, templateDatabase), max: 1 });
  await migrate(pool, silentLogger());
  await pool.end();

  project.provide("adminUrl", adminUrl);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    // Databases a crashed test file left behind are dropped with the template.
    const leftovers = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`peeker_t_${process.pid}_%`],
    );
    for (const row of leftovers.rows)
      await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await admin.end();
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    assertNoCanaryInLogs(logDir);
  };
}

/**
 * Secrets never reach a log line (design §6): every log any bot process wrote during the whole run is searched
 * for the canary secrets the tests hand out. A hit fails the run.
 */
function assertNoCanaryInLogs(logDir: string): void {
  if (!existsSync(logDir)) return;
  const leaks: string[] = [];
  for (const file of readdirSync(logDir)) {
    const text = readFileSync(path.join(logDir, file), "utf8");
    for (const secret of CANARY_SECRETS)
      if (text.includes(secret)) leaks.push(`${file} contains ${secret.slice(0, 8)}…`);
  }
  if (leaks.length > 0) {
    // vitest reports an error thrown here but still exits 0, so the exit code is set as well.
    process.exitCode = 1;
    throw new Error(`Secrets reached the bots' logs:\n${leaks.join("\n")}`);
  }
  // A failed test left a marker (test/support/failure-logs.ts): keep the logs its output names.
  if (existsSync(path.join(logDir, FAILED_MARKER))) {
    console.error(`Bot logs of this run kept in ${logDir} (a test failed).`);
    return;
  }
  rmSync(logDir, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
