import type { WebhookEvent } from "../peeker/webhooks.js";
import { type PeekerReader, rereadDomain, rereadImport, rereadOrder, rereadOrderlessCard } from "./reread.js";
import { rereadSwap } from "./reread-swap.js";
import type { ReadTicket } from "./resource-lease.js";
import type { Snapshot } from "./snapshot.js";

/**
 * The one resource model (issue #10): which Peeker resource an event, a card or a reconcile row is about, the
 * key its re-reads are leased and ordered by, and the re-read itself. Event processing, the buttons (Refresh
 * and the re-check before a resolution write) and reconciliation all go through `resourceOf`, so a card is
 * re-read the same way whoever asks.
 *
 * A composite resource numbers every resource it applies: a domain whose nameservers action belongs to an
 * import re-reads that import under the import's own key, so its snapshot is ordered with the import's events.
 */

export type ResourceFamily = "order" | "domain_import" | "domain" | "swap" | "card";

/** A snapshot with the read it came from: the apply admits it only if no newer read of that key is in. */
export interface ReadSnapshot {
  read: ReadTicket;
  snapshot: Snapshot;
}

/** Numbers a read of a resource discovered on the way (before the read is sent). */
export type BeginRead = (resourceKey: string) => Promise<ReadTicket>;

export interface Resource {
  family: ResourceFamily;
  /** The Peeker id (or, for a card without an order, its card key). */
  id: string;
  /** `<family>:<id>`: the lease and ordering key. */
  key: string;
  /** Re-reads Peeker; `primary` numbers the read of `key` and was taken before this is called. */
  reread(reader: PeekerReader, primary: ReadTicket, begin: BeginRead): Promise<ReadSnapshot[]>;
}

/** The columns of a card (`pending_actions` row) or a reconcile row that say which resource it is about. */
export interface CardRef {
  card_key: string;
  resource_kind: string;
  resource_id: string;
  order_id: string | null;
  domain_id: string | null;
  import_id: string | null;
  swap_id: string | null;
}

/** What an event, a card or a reconcile row is about; undefined when it names nothing Peeker can look up. */
export function resourceOf(subject: WebhookEvent | CardRef): Resource | undefined {
  if ("card_key" in subject) return resourceOfCard(subject);
  const id = subject.resourceId;
  if (!subject.family || !id) return undefined;
  return resourceFor(subject.family, id);
}

/**
 * The key an event's re-read is leased and coalesced by (migrations/0010): what the intake stores with the event,
 * so every waiting event of one resource is claimed and answered together. `event:<id>` when it names no resource.
 */
export function coalescingKeyOf(event: WebhookEvent, eventId: string): string {
  return event.family && event.resourceId ? keyOf(event.family, event.resourceId) : `event:${eventId}`;
}

function resourceOfCard(row: CardRef): Resource | undefined {
  switch (row.resource_kind) {
    case "order": {
      if (row.order_id) return resourceFor("order", row.order_id);
      // A `GET /orders/pending` row without order_id is keyed by its domain (design §3): its resource_id is a
      // domain id or an action id, never an order. Re-read the domain's pending rows for this one card.
      const domainId = row.domain_id;
      if (!domainId) return undefined;
      return keyed("card", row.card_key, (reader, primary) =>
        tagged(primary, rereadOrderlessCard(reader, row.card_key, domainId)),
      );
    }
    case "domain_import":
      return resourceFor("domain_import", row.import_id ?? row.resource_id);
    case "domain": {
      const domain = resourceFor("domain", row.domain_id ?? row.resource_id);
      // A domain card our swap is resolving is decided by that swap too (completed or failed).
      return row.swap_id ? withSwap(domain, row.swap_id) : domain;
    }
    case "swap":
      return resourceFor("swap", row.swap_id ?? row.resource_id);
    default:
      return undefined;
  }
}

function resourceFor(family: Exclude<ResourceFamily, "card">, id: string): Resource {
  switch (family) {
    case "order":
      return keyed(family, id, (reader, primary) => tagged(primary, rereadOrder(reader, id)));
    case "domain_import":
      return keyed(family, id, (reader, primary) => tagged(primary, rereadImport(reader, id)));
    case "swap":
      return keyed(family, id, (reader, primary) => tagged(primary, rereadSwap(reader, id)));
    case "domain":
      return keyed(family, id, async (reader, primary, begin) => {
        const imports: ReadSnapshot[] = [];
        const own = await rereadDomain(reader, id, async (importId) => {
          // Numbered before it is sent: a newer read of the import (its own event) wins over this one.
          const read = await begin(keyOf("domain_import", importId));
          const snapshots = await rereadImport(reader, importId);
          imports.push(...snapshots.map((snapshot) => ({ read, snapshot })));
          return [];
        });
        return [...imports, ...own.map((snapshot) => ({ read: primary, snapshot }))];
      });
  }
}

function withSwap(domain: Resource, swapId: string): Resource {
  const swap = resourceFor("swap", swapId);
  return {
    ...domain,
    async reread(reader, primary, begin) {
      const own = await domain.reread(reader, primary, begin);
      const swapRead = await begin(swap.key);
      return [...own, ...(await swap.reread(reader, swapRead, begin))];
    },
  };
}

function keyed(family: ResourceFamily, id: string, reread: Resource["reread"]): Resource {
  return { family, id, key: keyOf(family, id), reread };
}

export function keyOf(family: ResourceFamily, id: string): string {
  return `${family}:${id}`;
}

async function tagged(read: ReadTicket, snapshots: Promise<Snapshot[]>): Promise<ReadSnapshot[]> {
  return (await snapshots).map((snapshot) => ({ read, snapshot }));
}
