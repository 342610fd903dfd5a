import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMigrated, migrate, readMigrations } from "../../src/db/migrate.js";
import { silentLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

describe("migrations", () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await empty.drop();
  });

  it("two migrators started at once both succeed and apply each file once", async () => {
    const pools = [1, 2].map(() => new pg.Pool({ connectionString: empty.url, max: 2 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, silentLogger())));
      const files = await readMigrations();
      expect(results.flatMap((r) => r.applied).sort()).toEqual(files.map((f) => f.name).sort());
      const rows = await empty.handle.pool.query("SELECT version FROM schema_migrations ORDER BY version");
      expect(rows.rows.map((r) => r.version)).toEqual(files.map((f) => f.version));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it("applying again is a no-op", async () => {
    const again = await migrate(empty.handle.pool, silentLogger());
    expect(again.applied).toEqual([]);
    expect(await isMigrated(empty.handle.pool, again.latest)).toBe(true);
  });

  it("creates every table of design §4 (and the reconcile staging table)", async () => {
    const result = await empty.handle.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(result.rows.map((r) => r.table_name).sort()).toEqual(
      [
        "audit_log",
        "customer_channels",
        "customer_messages",
        "pending_actions",
        "reconcile_rows",
        "resource_reads",
        "runs",
        "schema_migrations",
        "slack_cards",
        "slack_channels",
        "thread_lines",
        "webhook_events",
        "worker_heartbeats",
      ].sort(),
    );
  });

  it("reports not ready while a migration file is unapplied", async () => {
    const files = await readMigrations();
    expect(await isMigrated(empty.handle.pool, files.at(-1)!.version + 1)).toBe(false);
  });

  it("rejects a badly named migration file", async () => {
    const fs = { readdir: async () => ["1_bad.sql"], readFile: async () => "" };
    await expect(readMigrations("/nowhere/", fs)).rejects.toThrow(/must look like 0001_create_tables.sql/);
  });
});
