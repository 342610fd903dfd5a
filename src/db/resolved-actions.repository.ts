import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/** Queries over the actions resolved in a window `(since, until]` (the digest's "resolved since"). */

type Db = Kysely<Database> | Transaction<Database>;

export interface ResolvedTimes {
  total: number;
  /** Median and 90th percentile of opened → resolved, seconds; null when nothing was resolved. */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export async function resolvedTimes(db: Db, since: Date, until: Date): Promise<ResolvedTimes> {
  const result = await sql<{ total: string; median: number | null; p90: number | null }>`
    SELECT count(*) AS total,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) AS p90
      FROM pending_actions
     WHERE state = 'resolved' AND resolved_at > ${since} AND resolved_at <= ${until}`.execute(db);
  const row = result.rows[0];
  const seconds = (value: number | null | undefined) =>
    value === null || value === undefined ? null : Number(value);
  return {
    total: Number(row?.total ?? 0),
    medianSeconds: seconds(row?.median),
    p90Seconds: seconds(row?.p90),
  };
}

/** Resolutions per resolver (`system` when none is recorded), most first, at most 25. */
export async function resolvedCountsByWhom(
  db: Db,
  since: Date,
  until: Date,
): Promise<Array<{ by: string; count: number }>> {
  const rows = await db
    .selectFrom("pending_actions")
    .select([sql<string>`coalesce(resolved_by, 'system')`.as("by"), sql<string>`count(*)`.as("count")])
    .where("state", "=", "resolved")
    .where("resolved_at", ">", since)
    .where("resolved_at", "<=", until)
    .groupBy(sql`coalesce(resolved_by, 'system')`)
    .orderBy(sql`count(*)`, "desc")
    .orderBy(sql`coalesce(resolved_by, 'system')`)
    .limit(25)
    .execute();
  return rows.map((r) => ({ by: r.by, count: Number(r.count) }));
}
