import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { silentLogger } from "../../src/logger.js";

/**
 * The benchmark's PostgreSQL: the machine's server at 127.0.0.1:5432 when it answers (a fresh database on
 * it), otherwise an embedded one in a temporary folder. Both are dropped at the end.
 */
export interface BenchDatabase {
  url: string;
  kind: "machine" | "embedded";
  /** libpq-style settings for pgbench. */
  pgbenchEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const name = `peeker_bench_${process.pid}`;
  const machine = "postgres://postgres@127.0.0.1:5432/postgres";
  if (await answers(machine)) {
    await admin(machine, `CREATE DATABASE ${name}`);
    return {
      url: `postgres://postgres@127.0.0.1:5432/${name}`,
      kind: "machine",
      pgbenchEnv: { PGHOST: "127.0.0.1", PGPORT: "5432", PGUSER: "postgres", PGDATABASE: name },
      close: () => admin(machine, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "peeker-bench-db-"));
  const embedded = await startEmbeddedPostgres({ dataDir: dir, logger: silentLogger() });
  const url = new URL(embedded.url);
  return {
    url: embedded.url,
    kind: "embedded",
    pgbenchEnv: {
      PGHOST: "127.0.0.1",
      PGPORT: url.port,
      PGUSER: "postgres",
      PGPASSWORD: decodeURIComponent(url.password),
      PGDATABASE: url.pathname.slice(1),
    },
    async close() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Runs one statement on an admin connection (CREATE / DROP DATABASE). */
export async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
