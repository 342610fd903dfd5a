import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";
import type { ClaimedEvent } from "../db/webhook-events.repository.js";
import { eventFromObject, type WebhookEvent } from "../peeker/webhooks.js";
import { type ApplyResult, applySnapshot, type CardPublisher } from "./apply-snapshot.js";
import { afterOrderReread, type QueuedReorderDeps } from "./queued-reorders.js";
import { type PeekerReader, rereadDomain, rereadImport, rereadOrder, rereadSwap } from "./reread.js";
import { lockResources } from "./resource-lock.js";
import type { Snapshot } from "./snapshot.js";

/**
 * Processing of one inbox event (design §5): the event is a hint naming a resource; Peeker is re-read and the
 * tracked actions follow what it says now. Ordering is never trusted, so any arrival order converges.
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
  const target = targetOf(event);
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

  const lockKey = `${target.family}:${target.id}`;
  const result = await deps.db.transaction().execute(async (trx) => {
    // One resource is re-read and applied by one worker at a time across replicas, so an older snapshot can
    // never overwrite a newer one.
    await lockResources(trx, [lockKey]);
    const snapshots = await target.reread(deps.peeker);
    const now = deps.now();
    const total: ApplyResult = { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 };
    for (const snapshot of snapshots) {
      const applied = await applySnapshot(
        {
          trx,
          publisher: deps.publisher,
          now,
          sandbox: deps.sandbox,
          source: "peeker",
          cause: claimed.event_id,
        },
        snapshot,
      );
      for (const key of Object.keys(total) as (keyof ApplyResult)[]) total[key] += applied[key];
    }
    // An action_required event whose action Peeker no longer lists: no card, only this audit row.
    const changes = total.opened + total.updated + total.unchanged + total.reopened + total.resolved;
    const firstSeenResolved = event.type?.endsWith(".action_required") === true && changes === 0;
    await appendAudit(trx, [
      {
        actor: "system",
        action: firstSeenResolved ? "event.already_resolved" : "event.processed",
        resourceId: target.id,
        details: { event_id: claimed.event_id, type: event.type, ...total },
        peekerRequestId: lastRequestId(snapshots),
      },
    ]);
    return total;
  });
  if (target.family === "order" && deps.reorders) {
    // After the commit: placing an order is a Peeker write and must not hold the resource's lock. A failure
    // throws, so the event is retried and the queued reorder is not forgotten.
    await afterOrderReread(
      { db: deps.db, publisher: deps.publisher, now: deps.now, ...deps.reorders },
      target.id,
    );
  }
  return { kind: "applied", resource: lockKey, result };
}

interface Target {
  family: NonNullable<WebhookEvent["family"]>;
  id: string;
  reread: (peeker: PeekerReader) => Promise<Snapshot[]>;
}

function targetOf(event: WebhookEvent): Target | undefined {
  const id = event.resourceId;
  if (!event.family || !id) return undefined;
  switch (event.family) {
    case "order":
      return { family: "order", id, reread: (p) => rereadOrder(p, id) };
    case "domain_import":
      return { family: "domain_import", id, reread: (p) => rereadImport(p, id) };
    case "domain":
      return { family: "domain", id, reread: (p) => rereadDomain(p, id) };
    case "swap":
      return { family: "swap", id, reread: (p) => rereadSwap(p, id) };
  }
}

function lastRequestId(snapshots: Snapshot[]): string | null {
  return snapshots.flatMap((s) => s.requestIds).at(-1) ?? null;
}
