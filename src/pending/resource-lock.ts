import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.js";

/**
 * One resource (`order:<id>`, `domain_import:<id>`, `domain:<id>`, `swap:<id>`) is re-read and applied by one
 * transaction at a time across replicas, so an older snapshot can never overwrite a newer one. Transaction-scoped
 * advisory locks: released at commit or rollback, never left behind by a dead process.
 */
export async function lockResources(trx: Transaction<Database>, keys: string[]): Promise<void> {
  const unique = [...new Set(keys)];
  if (unique.length === 0) return;
  if (unique.length === 1) {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${unique[0]}, 0))`.execute(trx);
    return;
  }
  // Every transaction that takes several locks takes them in one order (by lock id), so two never deadlock.
  await sql`
    SELECT pg_advisory_xact_lock(h)
      FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${unique}::text[]) AS k ORDER BY 1) AS ordered`.execute(
    trx,
  );
}
