import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/pool.js";
import { silentLogger } from "../../src/logger.js";
import { releaseLease, takeLease } from "../../src/pending/resource-lease.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { waitFor } from "../support/wait.js";

/**
 * A lease whose give-back failed (the database unreachable at that moment) must not block the resource for the
 * whole lease (2 minutes) for every other process: it is given back as soon as the database answers again.
 */
describe("a re-read lease whose give-back failed", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  it("is given back once the database answers again, without waiting for it to run out", async () => {
    const through = openDatabase(proxy.rewrite(database.url), silentLogger());
    try {
      const lease = await takeLease(through.db, "order:ord_owed");
      expect(lease).toBeDefined();
      proxy.down();
      await expect(releaseLease(through.db, lease!)).rejects.toThrow();
      const held = await database.handle.db
        .selectFrom("resource_reads")
        .select("leased_by")
        .where("resource_key", "=", "order:ord_owed")
        .executeTakeFirstOrThrow();
      expect(held.leased_by).not.toBeNull();
      proxy.up();
      await waitFor(
        async () => {
          const row = await database.handle.db
            .selectFrom("resource_reads")
            .select("leased_by")
            .where("resource_key", "=", "order:ord_owed")
            .executeTakeFirstOrThrow();
          return row.leased_by === null;
        },
        { timeoutMs: 20_000, what: "the owed lease to be given back" },
      );
    } finally {
      await through.close();
    }
  });
});
