import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";
import type { ClaimedEvent } from "../db/webhook-events.repository.js";
import { eventFromObject } from "../peeker/webhooks.js";
import type { ApplyResult, CardPublisher } from "./apply-snapshot.js";
import { afterOrderReread, type QueuedReorderDeps } from "./queued-reorders.js";
import { refreshFromPeeker } from "./refresh-from-peeker.js";
import type { PeekerReader } from "./reread.js";
import { resourceOf } from "./resource-model.js";
import type { Snapshot } from "./snapshot.js";

/**
 * Processing of one inbox event (design §5): the event is a hint naming a resource; Peeker is re-read and the
 * tracked actions follow what it says now (src/pending/refresh-from-peeker.ts: lease, Peeker with no
 * transaction, short apply). Ordering is never trusted, so any arrival order converges.
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
}

export type ProcessOutcome =
  | { kind: "applied"; resource: string; result: ApplyResult }
  | { kind: "ignored"; why: string };

export async function processEvent(deps: ProcessDeps, claimed: ClaimedEvent): Promise<ProcessOutcome> {
  const event = eventFromObject(claimed.payload);
  const target = resourceOf(event);
  if (!target) {
    // Unknown types and shapes are kept (the row stays in the inbox) and tracked, never an error.
    const why = event.family ? "event names no resource id" : `unknown event type ${event.type ?? "(none)"}`;
    await appendAudit(deps.db, [
      {
        actor: "system",
        action: "event.ignored",
        resourceId: event.resourceId,
        details: { event_id: claimed.event_id, type: event.type, why },
      },
    ]);
    return { kind: "ignored", why };
  }

  const outcome = await refreshFromPeeker(deps, deps.peeker, target, {
    source: "peeker",
    cause: claimed.event_id,
    lease: true,
    inApply: async (trx, applied) => {
      const total = applied.result;
      // An action_required event whose action Peeker no longer lists: no card, only this audit row.
      const changes = total.opened + total.updated + total.unchanged + total.reopened + total.resolved;
      const firstSeenResolved =
        event.type?.endsWith(".action_required") === true && changes === 0 && applied.superseded === 0;
      await appendAudit(trx, [
        {
          actor: "system",
          action: firstSeenResolved ? "event.already_resolved" : "event.processed",
          resourceId: target.id,
          details: { event_id: claimed.event_id, type: event.type, ...total, superseded: applied.superseded },
          peekerRequestId: lastRequestId(applied.snapshots),
        },
      ]);
    },
  });
  if (outcome.kind === "busy") {
    // Another worker is re-reading this resource now; its read may have begun before this event was stored,
    // so the event is retried once the lease is over (src/jobs/inbox-processor.ts; not counted as an attempt)
    // rather than waiting on a lock or trusting that read.
    throw new ResourceBusyError(outcome.resource);
  }
  const result = outcome.result;
  if (target.family === "order" && deps.reorders) {
    // After the commit: placing an order is a Peeker write and must not hold the resource's lock. A failure
    // throws, so the event is retried and the queued reorder is not forgotten.
    await afterOrderReread(
      { db: deps.db, publisher: deps.publisher, now: deps.now, ...deps.reorders },
      target.id,
    );
  }
  return { kind: "applied", resource: target.key, result };
}

/** The event's resource is leased by another worker; the inbox tries the event again, without counting an attempt. */
export class ResourceBusyError extends Error {
  constructor(readonly resource: string) {
    super(`${resource} is being re-read by another worker; retried soon`);
    this.name = "ResourceBusyError";
  }
}

function lastRequestId(snapshots: Snapshot[]): string | null {
  return snapshots.flatMap((s) => s.requestIds).at(-1) ?? null;
}
