import type { NewWebhookEvent } from "../db/webhook-events.repository.js";
import { parseWebhookEvent, verifyWebhook, type WebhookHeaders } from "../peeker/webhooks.js";
import { coalescingKeyOf } from "./resource-model.js";

/**
 * Intake of one Peeker delivery (design §3 "Webhook answers", §5 "Intake"): verify before parsing, then one
 * insert that is both the dedupe and the queue entry; 200 only after it committed.
 */

export type IntakeOutcome = "accepted" | "duplicate" | "rejected" | "unavailable";

export interface IntakeAnswer {
  status: number;
  body: { ok: true; duplicate?: boolean } | { error: string };
  outcome: IntakeOutcome;
  /** Short label for metrics and logs; never a secret. */
  reason?: string;
  eventId?: string;
}

export interface IntakeDeps {
  secrets: readonly string[];
  toleranceSeconds: number;
  nowSeconds: () => number;
  insert: (event: NewWebhookEvent) => Promise<boolean>;
  /** Longest the insert may take before the answer is 503 (Peeker retries); well under its 10 s deadline. */
  insertDeadlineMs: number;
}

export async function acceptDelivery(
  deps: IntakeDeps,
  headers: WebhookHeaders,
  rawBody: Buffer,
): Promise<IntakeAnswer> {
  const verified = verifyWebhook({
    headers,
    rawBody,
    secrets: deps.secrets,
    toleranceSeconds: deps.toleranceSeconds,
    nowSeconds: deps.nowSeconds(),
  });
  if (!verified.ok) {
    return {
      status: verified.status,
      body: { error: verified.reason },
      outcome: "rejected",
      reason: verified.code,
    };
  }
  // Decoded once: parsed here, stored as is by the insert.
  const text = rawBody.toString("utf8");
  const parsed = parseWebhookEvent(text);
  if (!parsed.ok) {
    return { status: 400, body: { error: parsed.reason }, outcome: "rejected", reason: "not_json_object" };
  }
  const event: NewWebhookEvent = {
    eventId: verified.eventId,
    type: parsed.event.type,
    resourceKey: coalescingKeyOf(parsed.event, verified.eventId),
    timestamp: verified.timestamp,
    rawBody: text,
  };
  let inserted: boolean;
  try {
    inserted = await withDeadline(deps.insert(event), deps.insertDeadlineMs);
  } catch (error) {
    // PostgreSQL refuses some valid JSON (a \u0000 escape in jsonb): retrying can never help, so say so with a 400
    // instead of a 503 that Peeker would retry for a day.
    const code = (error as { code?: string })?.code;
    if (code === "22P05" || code === "22021" || code === "22P02") {
      return {
        status: 400,
        body: { error: "the body contains characters PostgreSQL cannot store (such as \\u0000)" },
        outcome: "rejected",
        reason: "unstorable_body",
        eventId: verified.eventId,
      };
    }
    return {
      status: 503,
      body: { error: "the bot's database is unavailable; retry later" },
      outcome: "unavailable",
      reason: "database",
      eventId: verified.eventId,
    };
  }
  return inserted
    ? { status: 200, body: { ok: true }, outcome: "accepted", eventId: verified.eventId }
    : { status: 200, body: { ok: true, duplicate: true }, outcome: "duplicate", eventId: verified.eventId };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("deadline")), ms);
  });
  // A late insert may still commit after the 503; Peeker's retry then lands as a duplicate, which is harmless.
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
