import type { Kysely, Transaction } from "kysely";
import {
  clearStaged,
  countStaged,
  databaseNow,
  markChecked,
  nextStagedGroups,
  type StagedGroup,
  type StagedRow,
  stageRows,
  sweepStaged,
  trackedForGroups,
  unconfirmedActions,
} from "../db/reconcile.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { CallOptions, PeekerClient } from "../peeker/client.js";
import type { PendingOrderAction } from "../peeker/types.js";
import { type ApplyResult, applySnapshot, type CardPublisher } from "./apply-snapshot.js";
import { cardKeyFor } from "./card-keys.js";
import { confirmUnchanged } from "./confirm-unchanged.js";
import { refreshFromPeeker } from "./refresh-from-peeker.js";
import { groupPendingRows, type PeekerReader, swapSnapshots } from "./reread.js";
import { admitReads, type ReadTicket, readNumberNow } from "./resource-lease.js";
import { keyOf, type Resource, resourceOf } from "./resource-model.js";
import type { ActionDetails, ObservedAction, Snapshot } from "./snapshot.js";

/**
 * Reconciliation (design §5): what webhooks missed, found by asking Peeker for everything.
 *
 * 1. Walk `GET /orders/pending?status=open` to the end, one page in memory at a time; the rows are staged in
 *    `reconcile_rows` so an order whose rows span pages (or sit far apart: newest first) is grouped in SQL.
 * 2. Apply each order's group like a re-read of that order, under the order's lock: opens what no webhook
 *    reported, resolves that order's actions it no longer lists, leaves the rest alone.
 * 3. Walk `GET /swaps?status=action_required` and apply each swap the same way.
 * 4. Within a request budget, re-read what the walks did not confirm: order actions no longer listed first
 *    (then resolved "outside Slack" if the re-read agrees), then open import, domain and swap actions known
 *    from webhooks, oldest-checked first. Whatever the budget leaves is first in line next run.
 * 5. Run the after-reconcile steps (queued reorders whose original order is now cancelled, issue #5).
 *
 * A walk's pages are numbered as one read that began before the first page (src/pending/resource-lease.ts): a
 * resource that a newer re-read already applied is left as it is, and so is an action that anything changed
 * since the run began; that state is at least as new as the page, and the next run looks again. Step 4 goes
 * through the shared re-read (src/pending/refresh-from-peeker.ts): lease, Peeker with no transaction, short
 * apply; a resource another worker is re-reading now is skipped.
 */

/** What reconciliation reads; every call takes per-call options (abort signal, request counting). */
export type ReconcileReader = PeekerReader & Pick<PeekerClient, "listSwaps">;

export interface AfterReconcileRun {
  slot: string;
  now: Date;
  signal: AbortSignal | undefined;
  logger: Logger;
}

/**
 * A step that must follow each reconcile (after the walks, so what they saw is already applied). Issue #5 adds
 * `completeQueuedReorders` here: place a queued corrected order once its original order is `cancelled`.
 */
export interface AfterReconcileStep {
  name: string;
  run(run: AfterReconcileRun): Promise<void>;
}

export interface ReconcileDeps {
  db: Kysely<Database>;
  peeker: ReconcileReader;
  publisher: CardPublisher;
  sandbox: boolean;
  now: () => Date;
  logger: Logger;
  /** Wakes the Slack sender once a batch of card changes has committed. */
  wakeSender?: () => void;
  /**
   * Most Peeker requests the re-reads of one run may make (step 4; the walks are not counted), so a large drift
   * never starves webhook processing of the shared 480/min budget. Default 240.
   */
  rereadBudget?: number;
  /** Orders applied per transaction (each holds those orders' locks until it commits). Default 100. */
  batchSize?: number;
  /** Batch transactions in flight at once (each takes a pool connection). Default 2. */
  parallelBatches?: number;
  after?: readonly AfterReconcileStep[];
}

export interface ReconcileRun {
  /** The run slot (cron instant or `manual:<minute>`): the staging key and the audit cause. */
  slot: string;
  signal?: AbortSignal;
}

/** Drift counts of one run, stored in `runs.counts` (a type alias, so it is a `Record<string, number>`). */
export type ReconcileCounts = {
  /** Open actions Peeker listed (pending rows plus swap actions). */
  seen: number;
  opened: number;
  updated: number;
  reopened: number;
  resolved: number;
  unchanged: number;
  /** Listed, but changed by something else since the run began: left for that newer state. */
  skipped: number;
  errors: number;
  /** Every Peeker request of the run, retries included. */
  api_calls: number;
  /** Pages of the two walks. */
  list_calls: number;
  /** Resources re-read in step 4. */
  rereads: number;
  duration_ms: number;
};

const DEFAULT_REREAD_BUDGET = 240;
const DEFAULT_BATCH = 100;
const DEFAULT_PARALLEL = 2;
/** Staged rows older than this belong to a run that died. */
const STALE_STAGING_SECONDS = 6 * 60 * 60;

export function emptyCounts(): ReconcileCounts {
  return {
    seen: 0,
    opened: 0,
    updated: 0,
    reopened: 0,
    resolved: 0,
    unchanged: 0,
    skipped: 0,
    errors: 0,
    api_calls: 0,
    list_calls: 0,
    rereads: 0,
    duration_ms: 0,
  };
}

export async function reconcile(deps: ReconcileDeps, run: ReconcileRun): Promise<ReconcileCounts> {
  const started = deps.now();
  const counts = emptyCounts();
  const options: CallOptions = {
    onAttempt: () => {
      counts.api_calls++;
    },
    ...(run.signal ? { signal: run.signal } : {}),
  };
  const ctx: RunContext = {
    deps,
    run,
    counts,
    reader: withCallOptions(deps.peeker, options),
    walkStarted: started,
    dbStarted: await databaseNow(deps.db),
    walkRead: { resource: "", seq: "0", startedAt: started },
  };
  await sweepStaged(deps.db, STALE_STAGING_SECONDS);
  try {
    ctx.walkRead = { resource: "", ...(await readNumberNow(deps.db)) };
    await walkPendingOrders(ctx);
    await applyStagedOrders(ctx);
    ctx.walkRead = { resource: "", ...(await readNumberNow(deps.db)) };
    await walkSwaps(ctx);
    const budget = { left: deps.rereadBudget ?? DEFAULT_REREAD_BUDGET };
    await rereadUnconfirmed(ctx, ["order"], budget);
    await rereadUnconfirmed(ctx, ["domain_import", "domain", "swap"], budget);
  } finally {
    await clearStaged(deps.db, run.slot).catch((error: Error) =>
      deps.logger.warn({ err: { message: error.message } }, "could not clear reconcile staging"),
    );
  }
  for (const step of deps.after ?? []) {
    stopIfAborted(run);
    try {
      await step.run({ slot: run.slot, now: deps.now(), signal: run.signal, logger: deps.logger });
    } catch (error) {
      counts.errors++;
      deps.logger.warn(
        { step: step.name, err: { message: (error as Error)?.message } },
        "after-reconcile step failed",
      );
    }
  }
  counts.duration_ms = deps.now().getTime() - started.getTime();
  return counts;
}

interface RunContext {
  deps: ReconcileDeps;
  run: ReconcileRun;
  counts: ReconcileCounts;
  reader: ReconcileReader;
  /** App clock at the start: rows checked since then are newer than the walk. */
  walkStarted: Date;
  /** Database clock at the start: rows changed since then are newer than the walk. */
  dbStarted: Date;
  /** The read number of the walk under way, taken before its first page: its pages are that old. */
  walkRead: ReadTicket;
}

// ---- 1. the pending-rows walk ----

async function walkPendingOrders(ctx: RunContext): Promise<void> {
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

// ---- 2. applying the staged groups ----

async function applyStagedOrders(ctx: RunContext): Promise<void> {
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

function isNewerThanRun(ctx: RunContext, row: PendingActionRow): boolean {
  return row.last_checked_at >= ctx.walkStarted || row.updated_at >= ctx.dbStarted;
}

// ---- 3. the swaps walk ----

async function walkSwaps(ctx: RunContext): Promise<void> {
  const walk = ctx.reader.listSwaps({ status: "action_required", per_page: 100 });
  for await (const page of walk.pages()) {
    stopIfAborted(ctx.run);
    ctx.counts.list_calls++;
    for (const swap of page.data) {
      if (swap.status !== "action_required") continue;
      ctx.counts.seen += Math.max(1, swap.pending_actions?.length ?? 0);
      try {
        await ctx.deps.db.transaction().execute(async (trx) => {
          const key = keyOf("swap", swap.id);
          const admitted = await admitReads(trx, [{ ...ctx.walkRead, resource: key }], {
            answersEarlierEvents: false,
          });
          if (!admitted.has(key)) {
            ctx.counts.skipped += Math.max(1, swap.pending_actions?.length ?? 0);
            return;
          }
          const snapshots = swapSnapshots(swap, page.requestId);
          const keys = snapshots.flatMap((s) => s.open.map((o) => o.cardKey));
          const related = await trx
            .selectFrom("pending_actions")
            .selectAll()
            .where((eb) =>
              eb.or([eb("swap_id", "=", swap.id), ...(keys.length > 0 ? [eb("card_key", "in", keys)] : [])]),
            )
            .where("state", "!=", "resolved")
            .execute();
          if (related.some((row) => isNewerThanRun(ctx, row))) {
            ctx.counts.skipped += keys.length;
            return;
          }
          const now = ctx.deps.now();
          for (const snapshot of snapshots)
            add(ctx.counts, await applySnapshot(applyContext(ctx, trx, now), snapshot));
        });
      } catch (error) {
        ctx.counts.errors++;
        ctx.deps.logger.warn(
          { swap: swap.id, err: { message: (error as Error)?.message } },
          "reconcile could not apply a swap",
        );
      }
    }
    ctx.deps.wakeSender?.();
  }
}

// ---- 4. budgeted re-reads of what the walks did not confirm ----

async function rereadUnconfirmed(ctx: RunContext, kinds: string[], budget: { left: number }): Promise<void> {
  const done = new Set<string>();
  let after: { checkedAt: Date; id: string } | undefined;
  while (budget.left > 0) {
    stopIfAborted(ctx.run);
    const actions = await unconfirmedActions(ctx.deps.db, {
      kinds,
      seenBefore: ctx.walkStarted,
      updatedBefore: ctx.dbStarted,
      after,
      limit: 100,
    });
    const last = actions.at(-1);
    if (!last) return;
    after = { checkedAt: last.last_checked_at, id: last.id };
    for (const action of actions) {
      if (budget.left <= 0) return;
      const target = resourceOf(action);
      if (!target || done.has(target.key)) continue;
      done.add(target.key);
      const callsBefore = ctx.counts.api_calls;
      try {
        await rereadUnderLease(ctx, target, action.id);
        ctx.counts.rereads++;
      } catch (error) {
        stopIfAborted(ctx.run);
        ctx.counts.errors++;
        ctx.deps.logger.warn(
          { resource: target.key, err: { message: (error as Error)?.message } },
          "reconcile re-read failed",
        );
      } finally {
        budget.left -= ctx.counts.api_calls - callsBefore;
      }
    }
    ctx.deps.wakeSender?.();
  }
}

async function rereadUnderLease(ctx: RunContext, target: Resource, actionId: string): Promise<void> {
  const outcome = await refreshFromPeeker(
    { db: ctx.deps.db, publisher: ctx.deps.publisher, sandbox: ctx.deps.sandbox, now: ctx.deps.now },
    ctx.reader,
    target,
    {
      source: "reconcile",
      cause: ctx.run.slot,
      lease: true,
      inApply: (trx) => markChecked(trx, [actionId], ctx.deps.now()),
    },
  );
  // Another worker is re-reading it now: that read is at least as new as this one would be.
  if (outcome.kind === "busy") ctx.counts.skipped++;
  else add(ctx.counts, outcome.result);
}

// ---- helpers ----

function applyContext(ctx: RunContext, trx: Transaction<Database>, now: Date) {
  return {
    trx,
    publisher: ctx.deps.publisher,
    now,
    sandbox: ctx.deps.sandbox,
    source: "reconcile" as const,
    cause: ctx.run.slot,
  };
}

function emptyApply(): ApplyResult {
  return { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 };
}

function add(total: ApplyResult & { skipped?: number }, result: ApplyResult & { skipped?: number }): void {
  total.opened += result.opened;
  total.updated += result.updated;
  total.resolved += result.resolved;
  total.reopened += result.reopened;
  total.unchanged += result.unchanged;
  if (total.skipped !== undefined) total.skipped += result.skipped ?? 0;
}

function stopIfAborted(run: ReconcileRun): void {
  if (run.signal?.aborted) throw new Error("reconcile stopped: the process is shutting down");
}

/** The same reader, with this run's options (abort signal, request counting) on every call. */
function withCallOptions(peeker: ReconcileReader, options: CallOptions): ReconcileReader {
  const merge = (extra: CallOptions | undefined): CallOptions => ({ ...extra, ...options });
  return {
    listPendingActions: (filters, extra) => peeker.listPendingActions(filters, merge(extra)),
    getOrder: (id, extra) => peeker.getOrder(id, merge(extra)),
    getImport: (id, extra) => peeker.getImport(id, merge(extra)),
    findImportsByDomains: (domains, extra) => peeker.findImportsByDomains(domains, merge(extra)),
    getDomain: (id, extra) => peeker.getDomain(id, merge(extra)),
    getSwap: (id, extra) => peeker.getSwap(id, merge(extra)),
    listSwaps: (filters, extra) => peeker.listSwaps(filters, merge(extra)),
  };
}
