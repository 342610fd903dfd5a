import type pg from "pg";
import { type AuditEntry, auditValues } from "./audit-log.repository.js";

/** The webhook intake's statement (design §5 "Intake"): the inbox row that is both the dedupe and the queue entry. */

export interface NewWebhookEvent {
  eventId: string;
  type: string | null;
  /** The resource it names, `event:<id>` when none (src/pending/resource-model.ts `coalescingKeyOf`). */
  resourceKey: string;
  /** Peeker-Timestamp, Unix seconds. */
  timestamp: number;
  /** The raw JSON body, stored as jsonb. */
  rawBody: string;
  /**
   * Set for an event that needs no processing (it names no resource; src/pending/intake.ts `inboxRowOf`): the same
   * statement stores it processed with this audit row, so it never becomes work for the processor.
   */
  settled?: AuditEntry;
}

/**
 * The intake's only statement: insert, or notice the duplicate. A prepared statement on the bare pool, because
 * this is the hot path of the webhook benchmark. Returns false for a duplicate event id.
 */
export async function insertWebhookEvent(pool: pg.Pool, event: NewWebhookEvent): Promise<boolean> {
  const row = [event.eventId, event.type, event.timestamp, event.rawBody, event.resourceKey];
  if (!event.settled) {
    const waiting = await pool.query({ name: "insert_webhook_event", text: INSERT_WAITING, values: row });
    return waiting.rowCount === 1;
  }
  const settled = await pool.query({
    name: "insert_settled_webhook_event",
    text: INSERT_SETTLED,
    values: [...row, ...auditValues(event.settled)],
  });
  return settled.rows[0].stored === 1;
}

const INSERT_WAITING = `INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload, resource_key)
  VALUES ($1, $2, to_timestamp($3), $4::jsonb, $5)
  ON CONFLICT (event_id) DO NOTHING`;

/**
 * Still one statement (design §5): the row is stored already processed, and its audit row is written only when the
 * row was (a duplicate delivery writes neither). Nothing is left to update, so the row never leaves a dead tuple
 * for the vacuum, and the processor never sees it (bench/README.md "Intake").
 */
export const INSERT_SETTLED = `WITH stored AS (
    INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload, resource_key, processed_at)
    VALUES ($1, $2, to_timestamp($3), $4::jsonb, $5, now())
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
  ), audited AS (
    INSERT INTO audit_log (actor, action, pending_action_id, resource_id, details, peeker_request_id)
    SELECT $6::text, $7::text, $8::bigint, $9::text, $10::jsonb, $11::text FROM stored
  )
  SELECT count(*)::int AS stored FROM stored`;
