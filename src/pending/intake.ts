import type { NewWebhookEvent } from "../db/inbox-intake.repository.js";
import {
  parseWebhookEvent,
  verifyWebhook,
  type WebhookEvent,
  type WebhookHeaders,
} from "../peeker/webhooks.js";
import { verdictOn } from "./ignored-events.js";
import { coalescingKeyOf } from "./resource-model.js";

/**
 * Intake of one Peeker delivery (design §3 "Webhook answers", §5 "Intake"): verify before parsing, then one
 * statement that is both the dedupe and the queue entry (or, for an event naming no resource, the settled row with
 * its audit row); 200 only after it committed.
 */

export type IntakeOutcome = "accepted" | "duplicate" | "rejected" | "unavailable";

export interface IntakeAnswer {
  status: number;
  body: { ok: true; duplicate?: boolean } | { error: string };
  outcome: IntakeOutcome;
  /** Short label for metrics and logs; never a secret. */
  reason?: string;
  eventId?: string;
  /** Accepted and stored settled (it names no resource): nothing for the processor to do. */
  settled?: boolean;
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
  const event = inboxRowOf(parsed.event, {
    eventId: verified.eventId,
    timestamp: verified.timestamp,
    rawBody: text,
  });
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
    ? {
        status: 200,
        body: { ok: true },
        outcome: "accepted",
        eventId: verified.eventId,
        settled: !!event.settled,
      }
    : { status: 200, body: { ok: true, duplicate: true }, outcome: "duplicate", eventId: verified.eventId };
}

/**
 * The inbox row of a verified delivery: the resource it names (the key its events coalesce by), or — an event that
 * names none — stored settled with its `event.ignored` audit row, in the same one statement. Also used by the
 * benchmark's reference intake, so both store the same rows.
 */
export function inboxRowOf(
  event: WebhookEvent,
  delivery: { eventId: string; timestamp: number; rawBody: string },
): NewWebhookEvent {
  const verdict = verdictOn(delivery.eventId, event);
  const row = { ...delivery, type: event.type, resourceKey: coalescingKeyOf(event, delivery.eventId) };
  return verdict.kind === "ignored" ? { ...row, settled: verdict.audit } : row;
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
