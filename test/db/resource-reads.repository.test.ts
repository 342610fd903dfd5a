import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  appliedReadStarts,
  beginResourceRead,
  lockResourceReads,
  markReadsApplied,
  nextReadNumber,
  releaseLeaseOfHolder,
  releaseResourceLease,
  takeResourceLease,
} from "../../src/db/resource-reads.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

describe("the resource_reads repository", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE resource_reads`.execute(database.handle.db);
  });

  const take = (resource: string, holder: string, retakeOwn = false) =>
    takeResourceLease(database.handle.db, { resource, holder, seconds: 60, retakeOwn });

  it("leases a free resource once; a running lease is refused, even to its own holder unless it retakes", async () => {
    const first = await take("order:ord_1", "a");
    expect(first).toBeDefined();
    expect(first?.leasedUntil.getTime()).toBeGreaterThan(first?.startedAt.getTime() ?? 0);
    expect(await take("order:ord_1", "b")).toBeUndefined();
    expect(await take("order:ord_1", "a")).toBeUndefined();
    const retaken = await take("order:ord_1", "a", true);
    expect(BigInt(retaken?.seq ?? "0")).toBeGreaterThan(BigInt(first?.seq ?? "0"));
  });

  it("gives a lease back only with its token, or by its holder", async () => {
    const first = await take("swap:swp_1", "a");
    await releaseResourceLease(database.handle.db, "swap:swp_1", "0");
    expect(await take("swap:swp_1", "b")).toBeUndefined();
    await releaseResourceLease(database.handle.db, "swap:swp_1", first?.seq ?? "");
    expect(await take("swap:swp_1", "b")).toBeDefined();
    await releaseLeaseOfHolder(database.handle.db, "swap:swp_1", "a");
    expect(await take("swap:swp_1", "c")).toBeUndefined();
    await releaseLeaseOfHolder(database.handle.db, "swap:swp_1", "b");
    expect(await take("swap:swp_1", "c")).toBeDefined();
  });

  it("numbers reads in the order they began, with or without the lease", async () => {
    const leased = await take("import:imp_1", "a");
    const begun = await beginResourceRead(database.handle.db, "import:imp_1");
    const loose = await nextReadNumber(database.handle.db);
    const seqs = [leased?.seq, begun?.seq, loose?.seq].map((s) => BigInt(s ?? "0"));
    expect(seqs[0]).toBeLessThan(seqs[1] as bigint);
    expect(seqs[1]).toBeLessThan(seqs[2] as bigint);
    // A read begun without the lease leaves the lease as it was.
    expect(await take("import:imp_1", "b")).toBeUndefined();
  });

  it("locks rows it creates for resources never read, and records applied reads with their start", async () => {
    const started = new Date("2026-01-02T03:04:05.000Z");
    await database.handle.db.transaction().execute(async (trx) => {
      const rows = await lockResourceReads(trx, ["order:b", "order:a"]);
      expect(rows).toEqual([
        { resource_key: "order:a", applied_read_seq: null },
        { resource_key: "order:b", applied_read_seq: null },
      ]);
      await markReadsApplied(trx, [
        { resource: "order:a", seq: "7", started: started.toISOString() },
        { resource: "order:b", seq: "8", started: null },
      ]);
    });
    await database.handle.db.transaction().execute(async (trx) => {
      const rows = await lockResourceReads(trx, ["order:a", "order:b"]);
      expect(rows.map((r) => [r.resource_key, String(r.applied_read_seq)])).toEqual([
        ["order:a", "7"],
        ["order:b", "8"],
      ]);
    });
    const starts = await appliedReadStarts(database.handle.db, ["order:a", "order:b", "order:c"]);
    expect([...starts.keys()]).toEqual(["order:a"]);
    expect(starts.get("order:a")?.toISOString()).toBe(started.toISOString());
    expect(await appliedReadStarts(database.handle.db, [])).toEqual(new Map());
  });
});
