import type { PeekerClient } from "../peeker/client.js";
import { PeekerError } from "../peeker/errors.js";
import type { PendingOrderAction } from "../peeker/types.js";
import { cardKeyFor } from "./card-keys.js";
import { actionsOf, requestIdsOf } from "./resource-actions.js";
import type { ObservedAction, Snapshot } from "./snapshot.js";

/**
 * Re-reading Peeker (design §3): events are hints, these reads decide. Each returns the snapshots of what is
 * open now for one resource; nothing here writes.
 */

export type PeekerReader = Pick<
  PeekerClient,
  "listPendingActions" | "getOrder" | "getImport" | "findImportsByDomains" | "getDomain" | "getSwap"
>;

export function isNotFound(error: unknown): boolean {
  return error instanceof PeekerError && error.code === "not_found";
}

export async function rereadOrder(peeker: PeekerReader, orderId: string): Promise<Snapshot[]> {
  let order: Awaited<ReturnType<PeekerReader["getOrder"]>>;
  try {
    order = await peeker.getOrder(orderId);
  } catch (error) {
    // An order this key cannot see decides nothing: never resolve on a 404.
    if (isNotFound(error)) return [];
    throw error;
  }
  const rows: PendingOrderAction[] = [];
  const walk = peeker.listPendingActions({ order_id: orderId, status: "open" });
  for await (const row of walk) rows.push(row);
  const requestIds = requestIdsOf(order.requestId);
  const customer = { userId: order.data.user_id, customerEmail: order.data.email ?? null };
  return [
    {
      scope: { column: "order_id", id: orderId, kinds: ["order"] },
      open: groupPendingRows(rows, customer, order.data.status),
      resolution: order.data.status === "completed" ? "Order completed" : `Order is ${order.data.status}`,
      requestIds,
    },
  ];
}

/**
 * Re-reads the `GET /orders/pending` rows of one card that has no order (design §3: such a row is keyed by its
 * domain), for reconciliation to confirm it is gone before resolving it.
 */
export async function rereadOrderlessCard(
  peeker: PeekerReader,
  cardKey: string,
  domainId: string,
): Promise<Snapshot[]> {
  const rows: PendingOrderAction[] = [];
  let requestId: string | undefined;
  for await (const page of peeker.listPendingActions({ domain_id: domainId, status: "open" }).pages()) {
    rows.push(...page.data.filter((row) => !row.order_id));
    requestId = page.requestId;
  }
  return [
    {
      scope: { column: "card_key", id: cardKey },
      open: groupPendingRows(rows, {}).filter((action) => action.cardKey === cardKey),
      resolution: "No longer listed by Peeker",
      requestIds: requestIdsOf(requestId),
    },
  ];
}

/** Groups `GET /orders/pending` rows by card key: one card per order for pictures, per key otherwise. */
export function groupPendingRows(
  rows: PendingOrderAction[],
  customer: { userId?: string | null; customerEmail?: string | null },
  orderStatus?: string,
): ObservedAction[] {
  const byKey = new Map<string, ObservedAction>();
  for (const row of rows) {
    if (row.status !== "open") continue;
    const orderId = row.order_id ?? null;
    const cardKey = cardKeyFor({
      reason: row.reason,
      orderId,
      domainId: row.domain_id,
      actionId: orderId ? row.id : null,
      resourceId: row.id,
    });
    const openedAt = new Date(row.created_at);
    const existing = byKey.get(cardKey);
    if (existing) {
      existing.peekerActionIds.push(row.id);
      if (row.user) existing.details.personas?.push(row.user);
      if (row.domain && !existing.details.domains?.includes(row.domain))
        existing.details.domains?.push(row.domain);
      if (openedAt < existing.openedAt) existing.openedAt = openedAt;
      continue;
    }
    byKey.set(cardKey, {
      cardKey,
      reason: row.reason,
      resourceKind: "order",
      resourceId: orderId ?? row.domain_id ?? row.id,
      orderId,
      domainId: row.domain_id ?? null,
      domain: row.domain ?? null,
      userId: customer.userId ?? null,
      customerEmail: customer.customerEmail ?? null,
      peekerActionIds: [row.id],
      message: row.message ?? null,
      details: {
        personas: row.user ? [row.user] : [],
        domains: row.domain ? [row.domain] : [],
        ...(orderStatus ? { resourceStatus: orderStatus } : {}),
      },
      openedAt,
    });
  }
  for (const action of byKey.values()) action.peekerActionIds.sort();
  return [...byKey.values()];
}

export async function rereadImport(peeker: PeekerReader, importId: string): Promise<Snapshot[]> {
  let result: Awaited<ReturnType<PeekerReader["getImport"]>>;
  try {
    result = await peeker.getImport(importId);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const imp = result.data;
  const domains = [...new Set(imp.nameserver_groups.flatMap((g) => g.domains))];
  const open = actionsOf(imp, "domain_import").map((action) => ({
    ...action,
    cardKey: cardKeyFor({
      reason: action.reason,
      importId: imp.id,
      actionId: action.peekerActionIds[0],
      resourceId: imp.id,
    }),
    importId: imp.id,
    domain: domains[0] ?? null,
    details: { domains, nameserverGroups: imp.nameserver_groups, resourceStatus: imp.status },
  }));
  return [
    {
      scope: { column: "import_id", id: imp.id },
      open,
      resolution: imp.status === "completed" ? "Import completed" : `Import is ${imp.status}`,
      requestIds: requestIdsOf(result.requestId),
    },
  ];
}

/**
 * `readImport` re-reads the import a nameservers action belongs to; the resource model passes one that numbers
 * that read first (src/pending/resource-model.ts), so the import's snapshot is ordered with the import's own.
 */
export async function rereadDomain(
  peeker: PeekerReader,
  domainId: string,
  readImport: (importId: string) => Promise<Snapshot[]> = (id) => rereadImport(peeker, id),
): Promise<Snapshot[]> {
  let result: Awaited<ReturnType<PeekerReader["getDomain"]>>;
  try {
    result = await peeker.getDomain(domainId);
  } catch (error) {
    // GET /domains/{id} may not exist on every Peeker: a 404 is "unknown", not "resolved" (design §3).
    if (isNotFound(error)) return [];
    throw error;
  }
  const domain = result.data;
  const snapshots: Snapshot[] = [];
  const open: ObservedAction[] = [];
  for (const action of actionsOf(domain, "domain")) {
    if (action.reason === "update_nameservers") {
      // One card per import: find the domain's import and let its re-read decide.
      const imports = await peeker.findImportsByDomains([domain.domain]);
      const imp = imports.data[0];
      if (imp) {
        snapshots.push(...(await readImport(imp.id)));
        continue;
      }
    }
    open.push({
      ...action,
      cardKey: cardKeyFor({
        reason: action.reason,
        domainId: domain.id,
        actionId: action.peekerActionIds[0],
        resourceId: domain.id,
      }),
      domainId: domain.id,
      domain: domain.domain,
      orderId: domain.order_id ?? null,
      userId: domain.user_id ?? null,
      details: { domains: [domain.domain], resourceStatus: domain.status },
    });
  }
  snapshots.push({
    scope: { column: "domain_id", id: domain.id, kinds: ["domain"] },
    open,
    resolution: domain.status === "active" ? "Domain connected" : `Domain is ${domain.status}`,
    requestIds: requestIdsOf(result.requestId),
  });
  return snapshots;
}
