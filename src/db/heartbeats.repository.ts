import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * Worker heartbeats (migrations/0009_worker_heartbeats.sql). Stamped and compared with the database's clock, the
 * one clock every replica shares, so a replica's own clock skew cannot make a live process look dead.
 */

/** Heartbeats older than this are deleted when a process refreshes its own (a row per process start). */
const FORGET_AFTER = "1 day";

export async function refreshHeartbeat(db: Kysely<Database>, owner: string): Promise<void> {
  await db
    .insertInto("worker_heartbeats")
    .values({ owner, last_seen: sql`now()` })
    .onConflict((oc) => oc.column("owner").doUpdateSet({ last_seen: sql`now()` }))
    .execute();
  await db
    .deleteFrom("worker_heartbeats")
    .where("last_seen", "<", sql<Date>`now() - ${FORGET_AFTER}::interval`)
    .execute();
}

/**
 * Whether each of `owners` is alive (heartbeat within `staleMs`); an owner absent from the map has no heartbeat
 * at all (a process from before heartbeats, or one forgotten a day later).
 */
export async function heartbeatsOf(
  db: Kysely<Database>,
  owners: readonly string[],
  staleMs: number,
): Promise<Map<string, boolean>> {
  if (owners.length === 0) return new Map();
  const rows = await db
    .selectFrom("worker_heartbeats")
    .select(["owner", sql<boolean>`last_seen > now() - make_interval(secs => ${staleMs / 1000})`.as("alive")])
    .where("owner", "in", [...owners])
    .execute();
  return new Map(rows.map((r) => [r.owner, r.alive]));
}
