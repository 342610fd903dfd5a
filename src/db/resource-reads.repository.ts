import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Queries of `resource_reads` (migrations/0005): one row per resource with its lease and the read numbers that
 * order its re-reads. Read numbers come from the one sequence `resource_read_seq`, with the database's clock,
 * so "began later" means the same on every replica. The rules that use them are src/pending/resource-lease.ts.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface ReadNumber {
  /** bigint, as a decimal string. */
  seq: string;
  startedAt: Date;
}

export interface TakenLease extends ReadNumber {
  leasedUntil: Date;
}

/**
 * Takes the resource's lease for `seconds` with a fresh read number, when it is free: never leased, run out, or
 * held by `holder` with `retakeOwn` (a lease of ours this process no longer uses). Undefined when it is not free.
 */
export async function takeResourceLease(
  db: Db,
  input: { resource: string; holder: string; seconds: number; retakeOwn: boolean },
): Promise<TakenLease | undefined> {
  const result = await sql<{ seq: string; started_at: Date; leased_until: Date }>`
    WITH n AS (SELECT nextval('resource_read_seq') AS seq, clock_timestamp() AS at)
    INSERT INTO resource_reads AS r (resource_key, leased_by, lease_token, leased_until, read_seq, read_started_at)
    SELECT ${input.resource}, ${input.holder}, n.seq, n.at + make_interval(secs => ${input.seconds}), n.seq, n.at FROM n
    ON CONFLICT (resource_key) DO UPDATE
       SET leased_by = excluded.leased_by, lease_token = excluded.lease_token, leased_until = excluded.leased_until,
           read_seq = excluded.read_seq, read_started_at = excluded.read_started_at
     WHERE r.leased_until IS NULL OR r.leased_until < clock_timestamp()
        OR (r.leased_by = ${input.holder} AND ${input.retakeOwn})
    RETURNING r.read_seq AS seq, r.read_started_at AS started_at, r.leased_until`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  return { seq: String(row.seq), startedAt: row.started_at, leasedUntil: row.leased_until };
}

/** Gives back the lease whose token is `token` (the read number it was taken with), if it is still that one. */
export async function releaseResourceLease(db: Db, resource: string, token: string): Promise<void> {
  await db
    .updateTable("resource_reads")
    .set({ leased_by: null, lease_token: null, leased_until: null })
    .where("resource_key", "=", resource)
    .where("lease_token", "=", token)
    .execute();
}

/** Gives back whatever lease `holder` has on the resource (one whose token this process never learnt). */
export async function releaseLeaseOfHolder(db: Db, resource: string, holder: string): Promise<void> {
  await db
    .updateTable("resource_reads")
    .set({ leased_by: null, lease_token: null, leased_until: null })
    .where("resource_key", "=", resource)
    .where("leased_by", "=", holder)
    .execute();
}

/** A fresh read number for the resource, recorded as its newest begun read; the lease is left as it is. */
export async function beginResourceRead(db: Db, resource: string): Promise<ReadNumber | undefined> {
  const result = await sql<{ seq: string; started_at: Date }>`
    WITH n AS (SELECT nextval('resource_read_seq') AS seq, clock_timestamp() AS at),
         upsert AS (
           INSERT INTO resource_reads AS r (resource_key, read_seq, read_started_at)
           SELECT ${resource}, n.seq, n.at FROM n
           ON CONFLICT (resource_key) DO UPDATE
              SET read_seq = greatest(r.read_seq, excluded.read_seq), read_started_at = excluded.read_started_at)
    SELECT seq, at AS started_at FROM n`.execute(db);
  const row = result.rows[0];
  return row ? { seq: String(row.seq), startedAt: row.started_at } : undefined;
}

/** A fresh read number tied to no resource yet, with the database's time. */
export async function nextReadNumber(db: Db): Promise<ReadNumber | undefined> {
  const result = await sql<{ seq: string; at: Date }>`
    SELECT nextval('resource_read_seq') AS seq, clock_timestamp() AS at`.execute(db);
  const row = result.rows[0];
  return row ? { seq: String(row.seq), startedAt: row.at } : undefined;
}

/** When the newest applied read of each resource began; resources never applied are left out. */
export async function appliedReadStarts(db: Db, keys: string[]): Promise<Map<string, Date>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom("resource_reads")
    .select(["resource_key", "applied_read_started_at"])
    .where("resource_key", "in", keys)
    .where("applied_read_started_at", "is not", null)
    .execute();
  return new Map(rows.map((r) => [r.resource_key, r.applied_read_started_at as Date]));
}

/**
 * Locks the rows of these resources for the rest of the transaction, creating the missing ones, in key order
 * (so two transactions never deadlock on them); answers each one's newest applied read number (null: none yet).
 */
export async function lockResourceReads(
  trx: Transaction<Database>,
  keys: string[],
): Promise<Array<{ resource_key: string; applied_read_seq: string | null }>> {
  const sorted = [...keys].sort();
  if (sorted.length === 0) return [];
  await sql`
    INSERT INTO resource_reads (resource_key)
    SELECT k FROM unnest(${sorted}::text[]) AS k ORDER BY 1
    ON CONFLICT (resource_key) DO NOTHING`.execute(trx);
  return trx
    .selectFrom("resource_reads")
    .select(["resource_key", "applied_read_seq"])
    .where("resource_key", "in", sorted)
    .orderBy("resource_key")
    .forUpdate()
    .execute();
}

/**
 * Records these reads as the newest applied ones. A read with a start (`started`) also becomes the one events
 * stored before it are answered by (issue #14); without one, that instant is left as it was.
 */
export async function markReadsApplied(
  trx: Transaction<Database>,
  reads: Array<{ resource: string; seq: string; started: string | null }>,
): Promise<void> {
  if (reads.length === 0) return;
  await sql`
    UPDATE resource_reads AS r
       SET applied_read_seq = a.seq::bigint, applied_at = clock_timestamp(),
           applied_read_started_at = coalesce(a.started, r.applied_read_started_at)
      FROM unnest(${reads.map((r) => r.resource)}::text[], ${reads.map((r) => r.seq)}::text[],
                  ${reads.map((r) => r.started)}::timestamptz[]) AS a(key, seq, started)
     WHERE r.resource_key = a.key`.execute(trx);
}
