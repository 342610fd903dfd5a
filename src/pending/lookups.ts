import type { Kysely } from "kysely";
import type { AuditRow } from "../db/audit-log.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { CallOptions, PeekerClient } from "../peeker/client.js";
import { PeekerError } from "../peeker/errors.js";
import type { Domain, DomainImport, Order, PendingOrderAction, Swap } from "../peeker/types.js";
import { auditHistory } from "./customer-links.js";
import {
  knownDomainId,
  oldestOpen,
  openActionsWhere,
  openCountsByReason,
  type QueueItem,
  type ReasonCount,
} from "./open-actions.js";

/**
 * The read model of the `/peeker` lookups: what Peeker says about an order, import, swap or domain now, beside the
 * open actions we track for it; the queue; a resource's audit trail. Read-only. A resource Peeker does not know
 * (`not_found`) is `undefined`; any other Peeker error reaches the caller, which puts it in words.
 */

/**
 * A slash command may answer late through its response_url (30 minutes), so its Peeker calls keep the interactive
 * priority (they jump the reconcile's queue) but wait longer than a modal's 2.5 s.
 */
export const SLASH_PEEKER_CALL: CallOptions = { interactive: true, deadlineMs: 10_000 };

/** Pages of `GET /domains` walked to find a name the tracked actions do not know (Peeker has no name filter). */
const MAX_DOMAIN_PAGES = 10;

/** Imports of one domain whose open actions a lookup by domain shows. */
const IMPORTS_WITH_ACTIONS = 5;

export type LookupPeeker = Pick<
  PeekerClient,
  | "getOrder"
  | "listPendingActionsPage"
  | "getImport"
  | "findImportsByDomains"
  | "getSwap"
  | "getDomain"
  | "listDomains"
>;

export interface LookupDeps {
  db: Kysely<Database>;
  peeker: LookupPeeker;
}

export interface Lookups {
  order(
    id: string,
  ): Promise<{ order: Order; peekerActions: PendingOrderAction[]; tracked: PendingActionRow[] } | undefined>;
  importById(id: string): Promise<{ import: DomainImport; tracked: PendingActionRow[] } | undefined>;
  /** Imports with a domain (none: an empty list, no query for actions). */
  importsByDomain(domain: string): Promise<{ imports: DomainImport[]; tracked: PendingActionRow[] }>;
  swap(id: string): Promise<{ swap: Swap; tracked: PendingActionRow[] } | undefined>;
  /** A domain by name: Peeker's domain (if any), its imports and the open actions of either. */
  domain(
    name: string,
  ): Promise<{ domain: Domain | undefined; imports: DomainImport[]; tracked: PendingActionRow[] }>;
  /** Open actions per reason and the oldest `limit` of them (of one reason when given), oldest first. */
  queue(filter: { reason?: string; limit: number }): Promise<{ byReason: ReasonCount[]; items: QueueItem[] }>;
  /** The audit trail of any id we keep, oldest first. */
  history(id: string): Promise<AuditRow[]>;
}

export function createLookups({ db, peeker }: LookupDeps): Lookups {
  return {
    async order(id) {
      const order = await orNotFound(() => peeker.getOrder(id, SLASH_PEEKER_CALL));
      if (!order) return undefined;
      const [pending, tracked] = await Promise.all([
        peeker.listPendingActionsPage({ order_id: id, per_page: 100 }, SLASH_PEEKER_CALL),
        openActionsWhere(db, "order_id", id),
      ]);
      return { order: order.data, peekerActions: pending.data, tracked };
    },

    async importById(id) {
      const found = await orNotFound(() => peeker.getImport(id, SLASH_PEEKER_CALL));
      if (!found) return undefined;
      return { import: found.data, tracked: await openActionsWhere(db, "import_id", id) };
    },

    async importsByDomain(domain) {
      const found = await orNotFound(() => peeker.findImportsByDomains([domain], SLASH_PEEKER_CALL));
      const imports = found?.data ?? [];
      if (imports.length === 0) return { imports, tracked: [] };
      const tracked = await Promise.all(
        imports.slice(0, IMPORTS_WITH_ACTIONS).map((i) => openActionsWhere(db, "import_id", i.id)),
      );
      return { imports, tracked: tracked.flat() };
    },

    async swap(id) {
      const found = await orNotFound(() => peeker.getSwap(id, SLASH_PEEKER_CALL));
      if (!found) return undefined;
      const [bySwap, byDomain] = await Promise.all([
        openActionsWhere(db, "swap_id", id),
        openActionsWhere(db, "domain_id", found.data.domain_id),
      ]);
      return { swap: found.data, tracked: unique([...bySwap, ...byDomain]) };
    },

    async domain(name) {
      const knownId = await knownDomainId(db, name);
      const [domain, imports] = await Promise.all([
        findDomain(peeker, name, knownId),
        orNotFound(() => peeker.findImportsByDomains([name], SLASH_PEEKER_CALL)).then((r) => r?.data ?? []),
      ]);
      const tracked = unique([
        ...(await openActionsWhere(db, "domain", name)),
        ...(domain ? await openActionsWhere(db, "domain_id", domain.id) : []),
      ]);
      return { domain, imports, tracked };
    },

    async queue(filter) {
      const [byReason, items] = await Promise.all([openCountsByReason(db), oldestOpen(db, filter)]);
      return { byReason, items };
    },

    history: (id) => auditHistory(db, id),
  };
}

/** A name's domain: by the id our actions know when they know it, else by walking `GET /domains`. */
async function findDomain(
  peeker: LookupPeeker,
  name: string,
  knownId: string | undefined,
): Promise<Domain | undefined> {
  if (knownId) {
    const found = await orNotFound(() => peeker.getDomain(knownId, SLASH_PEEKER_CALL));
    if (found && found.data.domain.toLowerCase() === name) return found.data;
  }
  let pages = 0;
  for await (const page of peeker.listDomains({ per_page: 100 }, SLASH_PEEKER_CALL).pages()) {
    const match = page.data.find((d) => d.domain.toLowerCase() === name);
    if (match) return match;
    if (++pages >= MAX_DOMAIN_PAGES) break;
  }
  return undefined;
}

/** Runs a Peeker read; `not_found` becomes undefined, anything else is thrown on. */
async function orNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof PeekerError && error.code === "not_found") return undefined;
    throw error;
  }
}

/** One row per action, the first seen kept (an action can match two columns). */
function unique(rows: PendingActionRow[]): PendingActionRow[] {
  return [...new Map(rows.map((row) => [row.id, row])).values()];
}
