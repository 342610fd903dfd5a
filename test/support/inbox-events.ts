import type { Kysely } from "kysely";
import type pg from "pg";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";
import type { Database } from "../../src/db/schema.js";

/**
 * An accepted delivery in the inbox, as the intake stores it (the processor's tests need nothing more). `resourceKey`
 * is the resource it names (default: none, so it is processed alone).
 */
export function insertInboxEvent(
  pool: pg.Pool,
  eventId: string,
  type = "order.in_progress",
  resourceKey = `event:${eventId}`,
): Promise<boolean> {
  return insertWebhookEvent(pool, { eventId, type, resourceKey, timestamp: 1795000000, rawBody: "{}" });
}

/** How many inbox events are marked processed (a test's wait for the processor to have done some of its work). */
export async function processedEventCount(db: Kysely<Database>): Promise<number> {
  const rows = await db
    .selectFrom("webhook_events")
    .select("event_id")
    .where("processed_at", "is not", null)
    .execute();
  return rows.length;
}
