import { type Kysely, sql, type Transaction } from "kysely";
import type pg from "pg";
import type { Database } from "./schema.js";

/** The inbox (design §5): one row per accepted delivery, also the processing queue. */

export interface ClaimedEvent {
  event_id: string;
  type: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  received_at: Date;
  /** migrations/0010; null only for a row processed before it (retried by an operator). */
  resource_key: string | null;
}

/**
 * Claims due events for this worker with a lease. SKIP LOCKED lets replicas claim side by side; an expired
 * lease (a dead worker) makes the row claimable again.
 */
export async function claimDueEvents(
  db: Kysely<Database>,
  workerId: string,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedEvent[]> {
  const result = await sql<ClaimedEvent>`
    UPDATE webhook_events
       SET locked_until = now() + make_interval(secs => ${leaseSeconds}),
           locked_by = ${workerId},
           attempts = attempts + 1
     WHERE event_id IN (
       SELECT event_id FROM webhook_events
        WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
          AND (locked_until IS NULL OR locked_until < now())
        ORDER BY next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
    RETURNING event_id, type, payload, attempts, received_at, resource_key`.execute(db);
  return result.rows;
}

export interface ResourceClaim {
  /** Resources to claim with every one of their waiting events (each costs a Peeker re-read). */
  resources: number;
  /** Events that name no resource (`event:<id>`), claimed alongside: they need no Peeker call. */
  bareEvents: number;
  /** Ceiling on the events claimed in all. */
  maxEvents: number;
  leaseSeconds: number;
}

/**
 * Most due rows one claim looks at to find its resources: behind more than this many events of resources being
 * re-read elsewhere, a free resource waits for one of those reads to end (seconds). EXPLAIN ANALYZE (8,000 due events,
 * 3,000 of them one leased order's): 1,000 rows scanned in 0.95 ms; with no lease held the scan stops at the head's
 * own limit (100 rows, 0.15 ms). Unbounded, 3,000 busy events cost a claim 10 ms.
 */
const HEAD_SCAN_ROWS = 1000;

/**
 * Coalesced claim (issue #14): the resources of the oldest due events, each with *all* its waiting events —
 * also those not due yet (an event deferred while its resource was being re-read) — so one re-read, begun after
 * this claim, answers every one of them. Events naming no resource are claimed one by one as before. SKIP LOCKED
 * and the lease work as in `claimDueEvents`; an event another worker holds stays out of the claim.
 */
export async function claimDueResources(
  db: Kysely<Database>,
  workerId: string,
  claim: ResourceClaim,
): Promise<ClaimedEvent[]> {
  const { resources, bareEvents, maxEvents, leaseSeconds } = claim;
  const result = await sql<ClaimedEvent>`
    WITH scanned AS (
      -- At most HEAD_SCAN_ROWS of the oldest due rows are looked at, whatever they are: the bound on each claim's work.
      SELECT coalesce(resource_key, 'event:' || event_id) AS k, next_attempt_at
        FROM webhook_events
       WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
         AND (locked_until IS NULL OR locked_until < now())
         ${
           // Without bare events, the head reads only the resources' due index (migrations/0011): a flood of bare
           // events, settled in bulk elsewhere, is not stepped over.
           bareEvents > 0 ? sql`` : sql`AND resource_key NOT LIKE 'event:%'`
         }
       ORDER BY next_attempt_at
       LIMIT ${HEAD_SCAN_ROWS}
    ), head AS (
      -- A resource another worker is re-reading now is left out: its events wait for that read's end, rather than
      -- being claimed, found busy and put back over and over. Left out before the head's own limit, so a busy
      -- resource's waiting events do not fill the head and hide the free resources behind them (rows are pulled
      -- from the scan only until the head is full: with no busy resource, no more than before).
      SELECT k, next_attempt_at FROM scanned
       WHERE NOT EXISTS (SELECT 1 FROM resource_reads r WHERE r.resource_key = scanned.k AND r.leased_until > now())
       ORDER BY next_attempt_at
       LIMIT ${(resources + bareEvents) * 4}
    ), ranked AS (
      SELECT k, k LIKE 'event:%' AS bare,
             row_number() OVER (PARTITION BY k LIKE 'event:%' ORDER BY min(next_attempt_at)) AS n
        FROM head
       GROUP BY k
    ), chosen AS (
      SELECT k, bare FROM ranked WHERE (bare AND n <= ${bareEvents}) OR (NOT bare AND n <= ${resources})
    ), picked AS (
      -- A resource by its key (every waiting event of it); an event naming none by its own id.
      SELECT e.event_id FROM webhook_events e
       -- = ANY(ARRAY(…)) rather than IN (…) OR IN (…): each side can then use its index (the waiting rows by
       -- resource, the primary key), instead of a scan of every row kept.
       WHERE (e.resource_key = ANY(ARRAY(SELECT k FROM chosen WHERE NOT bare))
              OR e.event_id = ANY(ARRAY(SELECT substr(k, 7) FROM chosen WHERE bare)))
         AND e.processed_at IS NULL AND e.failed_at IS NULL
         AND (e.locked_until IS NULL OR e.locked_until < now())
       ORDER BY e.received_at
       LIMIT ${maxEvents}
       FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_events w
       SET locked_until = now() + make_interval(secs => ${leaseSeconds}),
           locked_by = ${workerId},
           -- An attempt counts for a row that was due; one waiting out its backoff (or a busy resource) that
           -- comes along with a newer event of its resource keeps its count, so it cannot run out in seconds.
           attempts = w.attempts + CASE WHEN w.next_attempt_at <= now() THEN 1 ELSE 0 END
      FROM picked
     WHERE w.event_id = picked.event_id
    RETURNING w.event_id, w.type, w.payload, w.attempts, w.received_at, w.resource_key`.execute(db);
  return result.rows;
}

/**
 * Extends this worker's leases that are still live; answers the ids renewed. A lease that expired is not revived
 * (another replica may be claiming it): the caller treats an id missing from the answer as lost.
 */
export async function renewEventLeases(
  db: Kysely<Database>,
  workerId: string,
  eventIds: string[],
  leaseSeconds: number,
): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const rows = await db
    .updateTable("webhook_events")
    .set({ locked_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where("event_id", "in", eventIds)
    .where("locked_by", "=", workerId)
    .where("locked_until", ">", sql<Date>`now()`)
    .returning("event_id")
    .execute();
  return rows.map((r) => r.event_id);
}

export async function markEventsProcessed(
  db: Kysely<Database> | Transaction<Database>,
  workerId: string,
  eventIds: string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await db
    .updateTable("webhook_events")
    .set({ processed_at: sql`now()`, locked_until: null, locked_by: null, last_error: null })
    .where("event_id", "in", eventIds)
    .where("locked_by", "=", workerId)
    // Only while the lease is ours: once it lapsed, another replica may be applying the same event.
    .where("locked_until", ">", sql<Date>`now()`)
    .execute();
}

export async function scheduleEventRetry(
  db: Kysely<Database>,
  workerId: string,
  eventId: string,
  delayMs: number,
  error: string,
): Promise<void> {
  await db
    .updateTable("webhook_events")
    .set({
      next_attempt_at: sql`now() + make_interval(secs => ${delayMs / 1000})`,
      locked_until: null,
      locked_by: null,
      last_error: error,
    })
    .where("event_id", "=", eventId)
    .where("locked_by", "=", workerId)
    .where("locked_until", ">", sql<Date>`now()`)
    .execute();
}

/**
 * The event's resource is leased by another worker (src/pending/resource-lease.ts): tried again once that lease
 * is over, or after `maxWaitMs` at most (a live holder usually gives it back within a second), plus `jitterMs`.
 * The claim's attempt is given back: waiting on a holder is not a failure, and must never use up the event's
 * attempts (a dead holder's lease alone would take several). Times are the database's, like the lease's.
 */
export async function deferEventForBusyResource(
  db: Kysely<Database>,
  workerId: string,
  eventId: string,
  input: { resourceKey: string; maxWaitMs: number; jitterMs: number; error: string },
): Promise<void> {
  const { resourceKey, maxWaitMs, jitterMs, error } = input;
  await db
    .updateTable("webhook_events")
    .set({
      next_attempt_at: sql`greatest(now(), least(
        coalesce((SELECT leased_until FROM resource_reads WHERE resource_key = ${resourceKey}), now()),
        now() + make_interval(secs => ${maxWaitMs / 1000})))
        + make_interval(secs => ${jitterMs / 1000})`,
      attempts: sql`greatest(attempts - 1, 0)`,
      locked_until: null,
      locked_by: null,
      last_error: error,
    })
    .where("event_id", "=", eventId)
    .where("locked_by", "=", workerId)
    .where("locked_until", ">", sql<Date>`now()`)
    .execute();
}

export async function markEventFailed(
  db: Kysely<Database>,
  workerId: string,
  eventId: string,
  error: string,
): Promise<void> {
  await db
    .updateTable("webhook_events")
    .set({ failed_at: sql`now()`, locked_until: null, locked_by: null, last_error: error })
    .where("event_id", "=", eventId)
    .where("locked_by", "=", workerId)
    .where("locked_until", ">", sql<Date>`now()`)
    .execute();
}

/** An operator's retry from /peeker status: the event goes back to the queue with a fresh attempt count. */
export async function retryFailedEvent(db: Kysely<Database>, eventId: string): Promise<boolean> {
  const result = await db
    .updateTable("webhook_events")
    .set({
      failed_at: null,
      attempts: 0,
      next_attempt_at: sql`now()`,
      last_error: null,
      // A row failed before migrations/0010 has no key: it is processed alone.
      resource_key: sql`coalesce(resource_key, 'event:' || event_id)`,
    })
    .where("event_id", "=", eventId)
    .where("failed_at", "is not", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Processed events are kept 4 days (longer than Peeker's 24 h of retries, so a late retry is still a
 * duplicate); failed ones 30 days so an operator can still retry them.
 */
export async function pruneWebhookEvents(db: Kysely<Database>): Promise<number> {
  const result = await sql`
    DELETE FROM webhook_events
     WHERE (processed_at IS NOT NULL AND received_at < now() - interval '4 days')
        OR (failed_at IS NOT NULL AND received_at < now() - interval '30 days')`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface InboxStats {
  depth: number;
  lagSeconds: number;
  failed: number;
}

export async function inboxStats(db: Kysely<Database>): Promise<InboxStats> {
  const result = await sql<{ depth: string; lag: number | null; failed: string }>`
    SELECT
      (SELECT count(*) FROM webhook_events WHERE processed_at IS NULL AND failed_at IS NULL) AS depth,
      (SELECT extract(epoch FROM now() - min(received_at))::float8 FROM webhook_events
        WHERE processed_at IS NULL AND failed_at IS NULL) AS lag,
      (SELECT count(*) FROM webhook_events WHERE failed_at IS NOT NULL) AS failed`.execute(db);
  const row = result.rows[0];
  return {
    depth: Number(row?.depth ?? 0),
    lagSeconds: Math.max(0, row?.lag ?? 0),
    failed: Number(row?.failed ?? 0),
  };
}
