import type { AuditEntry } from "../db/audit-log.repository.js";
import { eventFromObject, type WebhookEvent } from "../peeker/webhooks.js";
import { coalescingKeyOf } from "./resource-model.js";

/**
 * Events that name no resource (an unknown type, or a known one without an id; design §5 "Unknown event types are
 * stored and acknowledged, not errors"): nothing to re-read and no card to change, only their audit row. The intake
 * stores them already settled (src/pending/intake.ts); a row stored unsettled — by a replica of an earlier
 * version, or retried by an operator — is settled in bulk by the processor (src/jobs/inbox-bare-events.ts).
 */

/** What an event naming no resource key becomes: ignored with its audit row, or given the key its payload names. */
export type BareEventVerdict =
  | { kind: "ignored"; audit: AuditEntry }
  | { kind: "names"; resourceKey: string };

/** The verdict on an event already parsed, with the key it is coalesced by. */
export function verdictOn(eventId: string, event: WebhookEvent): BareEventVerdict {
  const resourceKey = coalescingKeyOf(event, eventId);
  if (!resourceKey.startsWith("event:")) return { kind: "names", resourceKey };
  return { kind: "ignored", audit: ignoredAudit(eventId, event) };
}

/**
 * A stored row with no resource key (`event:<id>`): ignored, or — a row stored before migrations/0010, when every
 * waiting event was keyed by its id — the resource its payload names, to be claimed with that resource.
 */
export function classifyBareEvent(eventId: string, payload: Record<string, unknown>): BareEventVerdict {
  return verdictOn(eventId, eventFromObject(payload));
}

export function ignoredAudit(eventId: string, event: WebhookEvent): AuditEntry {
  return {
    actor: "system",
    action: "event.ignored",
    resourceId: event.resourceId,
    details: { event_id: eventId, type: event.type, why: whyIgnored(event) },
  };
}

export function whyIgnored(event: WebhookEvent): string {
  return event.family ? "event names no resource id" : `unknown event type ${event.type ?? "(none)"}`;
}
