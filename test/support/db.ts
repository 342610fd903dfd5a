import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/pool.js";
import { silentLogger } from "../../src/logger.js";
import { withDatabase } from "./global-setup.js";

export interface TestDatabase {
  /** Connection URL of this file's own database. */
  url: string;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

/**
 * A database of the test file's own, cloned from the migrated template (fast: a file copy on the server), so
 * files run in parallel without sharing state.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("adminUrl");
  // The global setup names leftovers by its pid; the worker shares it through the template's name.
  const setupPid = inject("templateDatabase").split("_").at(-1);
  const name = `peeker_t_${setupPid}_${randomBytes(5).toString("hex")}`;
  const template = options.migrated === false ? "template0" : inject("templateDatabase");
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(adminUrl, name);
  const handle = openDatabase(url, silentLogger());
  return {
    url,
    handle,
    async drop() {
      await handle.close();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
