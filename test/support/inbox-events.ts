import type pg from "pg";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";

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
