import { sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Inbox events that name no resource (`resource_key` `event:<id>`, or none for a row stored before
 * migrations/0010): the bulk path of src/jobs/inbox-bare-events.ts. Every function runs inside the caller's
 * transaction, which holds the rows it locked until they are settled.
 */

export interface BareEvent {
  event_id: string;
  payload: Record<string, unknown>;
}

/**
 * Locks up to `limit` due events naming no resource, oldest first. SKIP LOCKED lets replicas settle side by side;
 * a row another worker holds by lease (claimed before this path existed) is left to it.
 */
export async function lockDueBareEvents(trx: Transaction<Database>, limit: number): Promise<BareEvent[]> {
  const result = await sql<BareEvent>`
    SELECT event_id, payload FROM webhook_events
     WHERE processed_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
       AND (locked_until IS NULL OR locked_until < now())
       AND (resource_key IS NULL OR resource_key LIKE 'event:%')
     ORDER BY next_attempt_at
     LIMIT ${limit}
     FOR UPDATE SKIP LOCKED`.execute(trx);
  return result.rows;
}

/** Marks locked events processed: one statement for the whole batch, one attempt each. */
export async function markBareEventsProcessed(trx: Transaction<Database>, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await trx
    .updateTable("webhook_events")
    .set({
      processed_at: sql`now()`,
      attempts: sql`attempts + 1`,
      locked_until: null,
      locked_by: null,
      last_error: null,
    })
    .where("event_id", "in", eventIds)
    .execute();
}

/**
 * Gives locked events the resource key their payload names, so the coalesced claim takes them with that resource:
 * rows stored before migrations/0010 were all keyed `event:<id>`, whatever they name. One statement for all.
 */
export async function rekeyWaitingEvents(
  trx: Transaction<Database>,
  rows: Array<{ eventId: string; resourceKey: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE webhook_events w SET resource_key = r.resource_key
      FROM unnest(${rows.map((r) => r.eventId)}::text[], ${rows.map((r) => r.resourceKey)}::text[])
           AS r(event_id, resource_key)
     WHERE w.event_id = r.event_id`.execute(trx);
}

/**
 * Marks locked events failed with their error, one statement for all: a payload the bot cannot read now it will
 * not read on a retry either. Kept, shown in /peeker status and retried by an operator (design §5).
 */
export async function markBareEventsFailed(
  trx: Transaction<Database>,
  rows: Array<{ eventId: string; error: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE webhook_events w
       SET failed_at = now(), attempts = w.attempts + 1, locked_until = NULL, locked_by = NULL, last_error = r.error
      FROM unnest(${rows.map((r) => r.eventId)}::text[], ${rows.map((r) => r.error)}::text[]) AS r(event_id, error)
     WHERE w.event_id = r.event_id`.execute(trx);
}
