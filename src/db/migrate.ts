import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "../logger.js";

/**
 * Forward-only SQL migrations: `migrations/NNNN_name.sql`, applied in order, one transaction each. A session
 * advisory lock serialises concurrent migrators (several replicas starting at once): the second one waits,
 * then finds nothing left to do.
 */

/**
 * Where the SQL files are, for both ways the bot runs: compiled, `dist/db/migrate.js` finds the copy the build
 * puts in `dist/migrations/` (so dist/ is complete on its own); from source (tsx), `src/db/migrate.ts` finds the
 * checkout's `migrations/`. The first folder that exists wins.
 */
export const MIGRATIONS_DIR = findMigrationsDir(import.meta.url);

export function findMigrationsDir(moduleUrl: string): string {
  const candidates = ["../migrations/", "../../migrations/"].map((relative) =>
    fileURLToPath(new URL(relative, moduleUrl)),
  );
  return candidates.find((dir) => existsSync(dir)) ?? candidates.at(-1)!;
}

// Arbitrary constant shared by every replica of this bot: "peeker" as ASCII.
const MIGRATION_LOCK_KEY = 0x7065656b6572;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationFs {
  readdir(path: string): Promise<string[]>;
  readFile(path: string, encoding: "utf8"): Promise<string>;
}

const nodeFs: MigrationFs = { readdir: (p) => readdir(p), readFile: (p, e) => readFile(p, e) };

export async function readMigrations(
  dir = MIGRATIONS_DIR,
  fs: MigrationFs = nodeFs,
): Promise<MigrationFile[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const match = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(name);
    if (!match) throw new Error(`Migration file name "${name}" must look like 0001_create_tables.sql`);
    const version = Number(match[1]);
    if (files.some((f) => f.version === version)) throw new Error(`Two migrations share version ${version}`);
    files.push({ version, name, sql: await fs.readFile(`${dir}${name}`, "utf8") });
  }
  return files;
}

export interface MigrationResult {
  applied: string[];
  latest: number;
}

export async function migrate(pool: pg.Pool, logger: Logger, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = await readMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    // The statement timeout of the pool must not cut a migration (or the wait for another replica's lock).
    await client.query("SET statement_timeout = 0");
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map(
          (r) => r.version,
        ),
      );
      for (const file of files) {
        if (done.has(file.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(file.sql);
          await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
            file.version,
            file.name,
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(file.name);
        logger.info({ migration: file.name }, "migration applied");
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      await client.query("RESET statement_timeout");
    }
  } finally {
    client.release();
  }
  return { applied, latest: files.at(-1)?.version ?? 0 };
}

/** Ready = the database answers and every migration file is applied (the /readyz check). */
export async function isMigrated(pool: pg.Pool, latest: number): Promise<boolean> {
  const result = await pool.query<{ version: number | null }>(
    "SELECT max(version) AS version FROM schema_migrations",
  );
  return (result.rows[0]?.version ?? 0) >= latest;
}
