import { type Kysely, sql } from "kysely";
import type { Database, RunRow } from "./schema.js";

/** `runs`: one row per cron slot actually run; the (job, slot) key makes a slot run once across replicas. */

/** Claims the slot for this runner; false when another replica (or an earlier request) already has it. */
export async function claimRunSlot(
  db: Kysely<Database>,
  job: string,
  slot: string,
  runner: string,
): Promise<boolean> {
  const row = await db
    .insertInto("runs")
    .values({ job, slot, runner })
    .onConflict((oc) => oc.columns(["job", "slot"]).doNothing())
    .returning("slot")
    .executeTakeFirst();
  return row !== undefined;
}

export async function finishRun(
  db: Kysely<Database>,
  job: string,
  slot: string,
  outcome: { ok: boolean; counts: Record<string, number>; error?: string },
): Promise<void> {
  await db
    .updateTable("runs")
    .set({
      finished_at: sql`now()`,
      outcome: outcome.ok ? "succeeded" : "failed",
      counts: JSON.stringify(outcome.counts),
      error: outcome.error ?? null,
    })
    .where("job", "=", job)
    .where("slot", "=", slot)
    .execute();
}

export async function lastRun(db: Kysely<Database>, job: string): Promise<RunRow | undefined> {
  return db
    .selectFrom("runs")
    .selectAll()
    .where("job", "=", job)
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The most recent run that finished successfully (the digest reports what happened since it). */
export async function lastSucceededRun(db: Kysely<Database>, job: string): Promise<RunRow | undefined> {
  return db
    .selectFrom("runs")
    .selectAll()
    .where("job", "=", job)
    .where("outcome", "=", "succeeded")
    .orderBy("started_at", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The last finished run of every job (GET /metrics, `/peeker status`). */
export async function lastFinishedRuns(db: Kysely<Database>): Promise<RunRow[]> {
  const result = await sql<RunRow>`
    SELECT DISTINCT ON (job) * FROM runs
     WHERE outcome <> 'running'
     ORDER BY job, started_at DESC`.execute(db);
  return result.rows;
}

/** Slot rows older than 30 days go (a nudge slot every minute adds 1,440 a day); the newest of each job stays. */
export async function pruneRuns(db: Kysely<Database>): Promise<number> {
  const result = await sql`
    DELETE FROM runs r
     WHERE r.started_at < now() - interval '30 days'
       AND r.started_at < (SELECT max(started_at) FROM runs x WHERE x.job = r.job)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
