import type { Kysely } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";
import type { ClaimedEvent } from "../db/webhook-events.repository.js";
import { eventFromObject, type WebhookEvent } from "../peeker/webhooks.js";
import type { ApplyResult, CardPublisher } from "./apply-snapshot.js";
import { ignoredAudit, whyIgnored } from "./ignored-events.js";
import { afterOrderReread, type QueuedReorderDeps } from "./queued-reorders.js";
import { refreshFromPeeker } from "./refresh-from-peeker.js";
import type { PeekerReader } from "./reread.js";
import { appliedReadsStarted } from "./resource-lease.js";
import { type Resource, resourceOf } from "./resource-model.js";
import type { Snapshot } from "./snapshot.js";

/**
 * Processing of the inbox's events (design §5): an event is a hint naming a resource; Peeker is re-read and the
 * tracked actions follow what it says now (src/pending/refresh-from-peeker.ts: lease, Peeker with no
 * transaction, short apply). Ordering is never trusted, so any arrival order converges.
 *
 * Coalesced (issue #14): the inbox hands over every waiting event of one resource at once, and one re-read,
 * begun after all of them were stored, answers them all. Events stored before the start of a read already
 * applied (another event's, a button's, reconciliation's) need no re-read of their own. Every event still gets
 * its own audit row and is marked processed.
 */

export interface ProcessDeps {
  db: Kysely<Database>;
  peeker: PeekerReader;
  publisher: CardPublisher;
  sandbox: boolean;
  now: () => Date;
  /**
   * Queued and followed corrected orders (src/pending/queued-reorders.ts): after an order re-read, a queued
   * reorder whose original is now cancelled is placed, and a card following a corrected order follows it.
   */
  reorders?: Omit<QueuedReorderDeps, "db" | "publisher" | "now">;
  /** Off (EVENT_COALESCING=off): every event is re-read on its own, as before issue #14 (for the benchmark). */
  coalesce?: boolean;
}

export type ProcessOutcome =
  | { kind: "applied"; resource: string; result: ApplyResult }
  /**
   * The two outcomes with no Peeker call leave their audit rows to the caller (`audit`), written with the batch's
   * processed mark (src/jobs/inbox-processor.ts), so a flood of such events costs one statement a batch.
   * `answered`: every event was stored before a read already applied began.
   * `ignored`: the event names nothing Peeker can look up.
   */
  | { kind: "answered"; resource: string; audit: AuditEntry[] }
  | { kind: "ignored"; why: string; audit: AuditEntry[] };

/**
 * Processes the waiting events of one resource (or one event naming none) with at most one re-read. Throws
 * `ResourceBusyError` when another worker is re-reading the resource now (the inbox tries them again soon).
 */
export async function processEvents(deps: ProcessDeps, group: ClaimedEvent[]): Promise<ProcessOutcome> {
  const events = group.map((claimed) => ({ claimed, event: eventFromObject(claimed.payload) }));
  const first = events[0];
  if (!first) return { kind: "ignored", why: "no events", audit: [] };
  const target = resourceOf(first.event);
  if (!target) return ignore(first.claimed, first.event);

  if (deps.coalesce !== false && (await answeredAlready(deps.db, target, group))) {
    await afterReread(deps, target);
    const rows = events.map(({ claimed, event }) =>
      audit("event.processed", claimed, event, target, { answered_by_earlier_read: true }),
    );
    return { kind: "answered", resource: target.key, audit: rows };
  }

  const outcome = await refreshFromPeeker(deps, deps.peeker, target, {
    source: "peeker",
    cause: first.claimed.event_id,
    lease: true,
    inApply: async (trx, applied) => {
      const total = applied.result;
      const changes = total.opened + total.updated + total.unchanged + total.reopened + total.resolved;
      const requestId = lastRequestId(applied.snapshots);
      const details = {
        ...total,
        superseded: applied.superseded,
        ...(group.length > 1 ? { coalesced: group.length } : {}),
      };
      await appendAudit(
        trx,
        events.map(({ claimed, event }) => {
          // An action_required event whose action Peeker no longer lists: no card, only this audit row.
          const firstSeenResolved =
            event.type?.endsWith(".action_required") === true && changes === 0 && applied.superseded === 0;
          const action = firstSeenResolved ? "event.already_resolved" : "event.processed";
          return { ...audit(action, claimed, event, target, details), peekerRequestId: requestId };
        }),
      );
    },
  });
  if (outcome.kind === "busy") {
    // Another worker is re-reading this resource now; its read may have begun before these events were stored,
    // so they are retried once its lease is over (src/jobs/inbox-processor.ts; not counted as an attempt) —
    // by then its read may answer them, or one more re-read does — rather than waiting on a lock.
    throw new ResourceBusyError(outcome.resource);
  }
  await afterReread(deps, target);
  return { kind: "applied", resource: target.key, result: outcome.result };
}

/** The event's resource is leased by another worker; the inbox tries the event again, without counting an attempt. */
export class ResourceBusyError extends Error {
  constructor(readonly resource: string) {
    super(`${resource} is being re-read by another worker; retried soon`);
    this.name = "ResourceBusyError";
  }
}

/** Whether a read of the resource applied so far began after every event of the group was stored. */
async function answeredAlready(
  db: Kysely<Database>,
  target: Resource,
  group: ClaimedEvent[],
): Promise<boolean> {
  const started = (await appliedReadsStarted(db, [target.key])).get(target.key);
  if (!started) return false;
  const newest = Math.max(...group.map((e) => e.received_at.getTime()));
  return started.getTime() > newest;
}

async function afterReread(deps: ProcessDeps, target: Resource): Promise<void> {
  if (target.family !== "order" || !deps.reorders) return;
  // After the commit: placing an order is a Peeker write and must not hold the resource's lock. A failure
  // throws, so the events are retried and the queued reorder is not forgotten. Also after an event answered
  // by an earlier read: that read (a button's, say) did not run this step.
  await afterOrderReread(
    { db: deps.db, publisher: deps.publisher, now: deps.now, ...deps.reorders },
    target.id,
  );
}

function ignore(claimed: ClaimedEvent, event: WebhookEvent): ProcessOutcome {
  // Unknown types and shapes are kept (the row stays in the inbox) and tracked, never an error.
  return { kind: "ignored", why: whyIgnored(event), audit: [ignoredAudit(claimed.event_id, event)] };
}

function audit(
  action: string,
  claimed: ClaimedEvent,
  event: WebhookEvent,
  target: Resource,
  details: Record<string, unknown>,
): AuditEntry {
  return {
    actor: "system",
    action,
    resourceId: target.id,
    details: { event_id: claimed.event_id, type: event.type, ...details },
  };
}

function lastRequestId(snapshots: Snapshot[]): string | null {
  return snapshots.flatMap((s) => s.requestIds).at(-1) ?? null;
}
