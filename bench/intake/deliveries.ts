import { randomUUID } from "node:crypto";
import { signWebhookBody } from "../../src/peeker/webhooks.js";
import type { PreparedRequest } from "../lib/open-loop.js";

/** Pre-signed Peeker deliveries for the intake bench: signing happens before a phase, never inside it. */

export const SECRET = "whsec_bench_secret";

export type Delivery = PreparedRequest & { eventId: string };

export function delivery(type: string, data: Record<string, unknown>): Delivery {
  const eventId = `evt_${randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({ id: eventId, type, created_at: new Date().toISOString(), data });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    eventId,
    path: "/peeker/webhooks",
    body,
    headers: {
      "content-type": "application/json",
      "peeker-event-id": eventId,
      "peeker-timestamp": String(timestamp),
      "peeker-signature": signWebhookBody(SECRET, timestamp, body),
    },
  };
}

/**
 * No-op deliveries: an unknown type is stored, acknowledged and audited, with no Peeker call. The bot and the
 * reference get deliveries of this one shape, so both insert the same bytes.
 */
export const noOpDeliveries = (count: number): Delivery[] =>
  Array.from({ length: count }, (_, i) => delivery("bench.delivery", { id: `bench_${i}`, status: "ok" }));
