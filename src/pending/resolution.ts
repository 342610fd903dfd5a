import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../clock.js";
import { appendAudit } from "../db/audit-log.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PeekerClient } from "../peeker/client.js";
import type { CardPublisher } from "./apply-snapshot.js";
import type { CardChange } from "./changes.js";
import type { Refusal } from "./outcomes.js";
import type { OperatorCheck } from "./permissions.js";
import type { PeekerReader } from "./reread.js";

/**
 * What every resolution flow shares (design §3 "Locks and pauses", §7): who may act, the claim rules, the
 * `open` → `resolving` lock, the refresh from Peeker before acting, and the audit of every step.
 *
 * A flow is, one file per step:
 * 1. claim — operator, state, claim (src/pending/resolution-claim.ts `claimForResolution`);
 * 2. lock — optimistic, from submit on (src/pending/resolution-lock.ts `lock`);
 * 3. refresh from Peeker (src/pending/refresh-from-peeker.ts `refreshActionFromPeeker`);
 * 4. at most one Peeker write, recorded as an intent first (src/pending/request-swap.ts,
 *    src/pending/place-corrected-order.ts; the nameservers flow writes only to the customer outbox);
 * 5. outcome and card — accept (stays `resolving`) or release (back to `open`), via `publishChange` here.
 *
 * A button runs 1 and 3 (src/pending/open-resolution.ts); every flow runs inside `audited`
 * (src/pending/resolution-audit.ts). None of it imports Bolt.
 */

export type ResolverPeeker = Pick<
  PeekerClient,
  | "listPendingActions"
  | "getOrder"
  | "getImport"
  | "findImportsByDomains"
  | "getDomain"
  | "getSwap"
  | "checkAvailability"
  | "createSwap"
  | "listSwaps"
  | "createOrder"
  | "listOrders"
  | "cancelOrder"
  | "getUser"
>;

export interface ResolveDeps {
  db: Kysely<Database>;
  peeker: ResolverPeeker;
  publisher: CardPublisher;
  clock: Clock;
  sandbox: boolean;
  /** Wakes the Slack sender after a card change committed. */
  wakeSender: () => void;
  isOperator: OperatorCheck;
}

/** Who pressed what. */
export interface Actor {
  userId: string;
  pendingActionId: string;
}

export const INTERACTIVE = { interactive: true } as const;

/**
 * Peeker reads for a person who is waiting: served first, 2.5 s deadline, no retry (design §5) — and memoised for
 * the flow, so the refresh's `GET /orders/{id}` is the same answer the reorder body is built from.
 */
export function flowReader(peeker: ResolverPeeker): PeekerReader {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let hit = memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      memo.set(key, hit);
      hit.catch(() => memo.delete(key));
    }
    return hit;
  };
  return {
    listPendingActions: (filters) => peeker.listPendingActions(filters, INTERACTIVE),
    getOrder: (id) => once(`order:${id}`, () => peeker.getOrder(id, INTERACTIVE)),
    getImport: (id) => once(`import:${id}`, () => peeker.getImport(id, INTERACTIVE)),
    findImportsByDomains: (domains) => peeker.findImportsByDomains(domains, INTERACTIVE),
    getDomain: (id) => once(`domain:${id}`, () => peeker.getDomain(id, INTERACTIVE)),
    getSwap: (id) => once(`swap:${id}`, () => peeker.getSwap(id, INTERACTIVE)),
  };
}

/** Why a click or submit on `row` by `userId` must stop (gone, resolved, being resolved, claimed), if it must. */
export function refusalOf(row: PendingActionRow | undefined, userId: string): Refusal | undefined {
  if (!row) return { kind: "not_found" };
  if (row.state === "resolved") return { kind: "resolved", how: row.resolution ?? undefined };
  if (row.state === "resolving") {
    return { kind: "resolving", by: row.resolving_by ?? "someone", note: row.resolving_note ?? undefined };
  }
  if (row.claimed_by && row.claimed_by !== userId) return { kind: "claimed", by: row.claimed_by };
  return undefined;
}

/** Publishes the card, queues its thread line and audits the change, in the caller's transaction. */
export async function publishChange(
  trx: Transaction<Database>,
  deps: Pick<ResolveDeps, "publisher">,
  row: PendingActionRow,
  change: CardChange | undefined,
  auditAction: string,
  actor: string,
  details: Record<string, unknown> = {},
  peekerRequestId?: string | null,
): Promise<void> {
  await deps.publisher.publish(trx, row);
  if (change) await deps.publisher.threadLine(trx, row, change);
  await appendAudit(trx, [
    {
      actor,
      action: auditAction,
      pendingActionId: row.id,
      resourceId: row.resource_id,
      details: { card_key: row.card_key, state: row.state, ...details },
      peekerRequestId: peekerRequestId ?? null,
    },
  ]);
}

/** After a refresh from Peeker: a resolved row means Peeker no longer lists the action; nothing must be written. */
export function goneUpstream(row: PendingActionRow): Refusal | undefined {
  return row.state === "resolved"
    ? { kind: "no_longer_pending", how: row.resolution ?? undefined }
    : undefined;
}
