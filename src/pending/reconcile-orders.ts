import type { Transaction } from "kysely";
import {
  countStaged,
  nextStagedGroups,
  type StagedGroup,
  type StagedRow,
  stageRows,
  trackedForGroups,
} from "../db/reconcile.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PendingOrderAction } from "../peeker/types.js";
import { type ApplyResult, applySnapshot } from "./apply-snapshot.js";
import { cardKeyFor } from "./card-keys.js";
import { confirmUnchanged } from "./confirm-unchanged.js";
import {
  add,
  applyContext,
  emptyApply,
  isNewerThanRun,
  type RunContext,
  stopIfAborted,
} from "./reconcile-context.js";
import { groupPendingRows } from "./reread.js";
import { admitReads } from "./resource-lease.js";
import { keyOf } from "./resource-model.js";
import type { ActionDetails, ObservedAction, Snapshot } from "./snapshot.js";

/**
 * Steps 1 and 2 of reconciliation (src/pending/reconcile.ts): walk `GET /orders/pending?status=open` into
 * `reconcile_rows`, then apply each order's group like a re-read of that order, in batches of orders.
 */

const DEFAULT_BATCH = 100;
const DEFAULT_PARALLEL = 2;

export async function walkPendingOrders(ctx: RunContext): Promise<void> {
  let seq = 0;
  const walk = ctx.reader.listPendingActions({ status: "open", per_page: 100 });
  for await (const page of walk.pages()) {
    stopIfAborted(ctx.run);
    ctx.counts.list_calls++;
    const rows: StagedRow[] = [];
    for (const row of page.data) {
      if (row.status !== "open") continue;
      rows.push({ groupKey: groupKeyOf(row), rowId: row.id, seq: seq++, data: row });
    }
    await stageRows(ctx.deps.db, ctx.run.slot, rows);
  }
  // Counted from the staging: a walk restarted from links.first yields rows twice, staged once.
  ctx.counts.seen += await countStaged(ctx.deps.db, ctx.run.slot);
}

/** Rows group per order; a row without order_id is its own card (keyed by its domain, design §3). */
function groupKeyOf(row: PendingOrderAction): string {
  if (row.order_id) return `order:${row.order_id}`;
  return `key:${cardKeyFor({ reason: row.reason, orderId: null, domainId: row.domain_id, actionId: null, resourceId: row.id })}`;
}

export async function applyStagedOrders(ctx: RunContext): Promise<void> {
  const size = ctx.deps.batchSize ?? DEFAULT_BATCH;
  const parallel = ctx.deps.parallelBatches ?? DEFAULT_PARALLEL;
  const inFlight = new Set<Promise<void>>();
  let after = "";
  try {
    for (;;) {
      stopIfAborted(ctx.run);
      const groups = await nextStagedGroups(ctx.deps.db, ctx.run.slot, after, size);
      const last = groups.at(-1);
      if (!last) break;
      after = last.groupKey;
      // Batches hold disjoint orders, so two in flight never wait on each other's locks.
      const batch: Promise<void> = applyBatch(ctx, groups).finally(() => inFlight.delete(batch));
      inFlight.add(batch);
      if (inFlight.size >= parallel) await Promise.race(inFlight);
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}

async function applyBatch(ctx: RunContext, groups: StagedGroup[]): Promise<void> {
  try {
    const result = await ctx.deps.db.transaction().execute((trx) => applyGroups(ctx, trx, groups));
    add(ctx.counts, result);
  } catch (error) {
    // One bad group must not cost the batch: apply them one by one, and count what still fails.
    ctx.deps.logger.warn(
      { err: { message: (error as Error)?.message }, groups: groups.length },
      "reconcile batch failed; applying its orders one at a time",
    );
    for (const group of groups) {
      try {
        const result = await ctx.deps.db.transaction().execute((trx) => applyGroups(ctx, trx, [group]));
        add(ctx.counts, result);
      } catch (single) {
        ctx.counts.errors++;
        ctx.deps.logger.warn(
          { group: group.groupKey, err: { message: (single as Error)?.message } },
          "reconcile could not apply an order",
        );
      }
    }
  }
  ctx.deps.wakeSender?.();
}

interface ObservedGroup {
  group: StagedGroup;
  orderId: string | undefined;
  lockKey: string;
  observed: ObservedAction[];
}

async function applyGroups(
  ctx: RunContext,
  trx: Transaction<Database>,
  groups: StagedGroup[],
): Promise<ApplyResult & { skipped: number }> {
  const observedGroups: ObservedGroup[] = groups.map((group) => {
    const rows = group.rows as unknown as PendingOrderAction[];
    const orderId = group.groupKey.startsWith("order:") ? group.groupKey.slice("order:".length) : undefined;
    const observed = groupPendingRows(rows, {});
    return {
      group,
      orderId,
      // The resource model's key (src/pending/resource-model.ts), so a webhook re-read and this are ordered.
      lockKey: orderId ? keyOf("order", orderId) : keyOf("card", observed[0]?.cardKey ?? group.groupKey),
      observed,
    };
  });
  const admitted = await admitReads(
    trx,
    observedGroups.map((g) => ({ ...ctx.walkRead, resource: g.lockKey })),
    { answersEarlierEvents: false },
  );
  const tracked = await trackedForGroups(
    trx,
    observedGroups.flatMap((g) => g.observed.map((o) => o.cardKey)),
    observedGroups.flatMap((g) => (g.orderId ? [g.orderId] : [])),
  );
  const byKey = new Map(tracked.map((row) => [row.card_key, row]));
  const now = ctx.deps.now();
  const total = { ...emptyApply(), skipped: 0 };
  const snapshots: Snapshot[] = [];
  for (const { orderId, observed, lockKey } of observedGroups) {
    if (!admitted.has(lockKey)) {
      // A re-read that began after this walk's first page was applied: it is newer than the page.
      total.skipped += observed.length;
      continue;
    }
    const related = tracked.filter(
      (row) =>
        observed.some((o) => o.cardKey === row.card_key) ||
        (orderId !== undefined && row.order_id === orderId && row.resource_kind === "order"),
    );
    if (related.some((row) => isNewerThanRun(ctx, row))) {
      total.skipped += observed.length;
      continue;
    }
    const snapshot: Snapshot = {
      ...(orderId
        ? { scope: { column: "order_id" as const, id: orderId, kinds: ["order" as const] } }
        : observed[0]
          ? { scope: { column: "card_key" as const, id: observed[0].cardKey } }
          : {}),
      open: observed.map((o) => withKnownFields(o, byKey.get(o.cardKey))),
      resolution: "No longer listed by Peeker",
      requestIds: [],
    };
    snapshots.push(snapshot);
  }
  // Most of a walk confirms what is known: those in one statement, the rest one by one.
  const apply = applyContext(ctx, trx, now);
  const { unchanged, rest } = await confirmUnchanged(apply, snapshots);
  total.unchanged += unchanged;
  for (const snapshot of rest) add(total, await applySnapshot(apply, snapshot));
  return total;
}

/**
 * A pending row knows no customer and no order status; a tracked action learnt them from a re-read. Keep what
 * the walk cannot know, so a confirmation is not mistaken for a change (and the card does not lose them).
 */
function withKnownFields(observed: ObservedAction, row: PendingActionRow | undefined): ObservedAction {
  if (!row) return observed;
  const known = (row.details ?? {}) as ActionDetails;
  return {
    ...observed,
    userId: observed.userId ?? row.user_id,
    customerEmail: observed.customerEmail ?? row.customer_email,
    details: {
      ...(known.resourceStatus !== undefined ? { resourceStatus: known.resourceStatus } : {}),
      ...observed.details,
    },
  };
}
