import type pg from "pg";
import { insertWebhookEvent } from "../../src/db/webhook-events.repository.js";

/** An accepted delivery in the inbox, as the intake stores it (the processor's tests need nothing more). */
export function insertInboxEvent(
  pool: pg.Pool,
  eventId: string,
  type = "order.in_progress",
): Promise<boolean> {
  return insertWebhookEvent(pool, { eventId, type, timestamp: 1795000000, rawBody: "{}" });
}
