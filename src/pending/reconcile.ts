import { clearStaged, databaseNow, sweepStaged } from "../db/reconcile.repository.js";
import type { CallOptions } from "../peeker/client.js";
import {
  emptyCounts,
  type ReconcileCounts,
  type ReconcileDeps,
  type ReconcileReader,
  type ReconcileRun,
  type RunContext,
  stopIfAborted,
} from "./reconcile-context.js";
import { applyStagedOrders, walkPendingOrders } from "./reconcile-orders.js";
import { rereadUnconfirmed } from "./reconcile-rereads.js";
import { walkSwaps } from "./reconcile-swaps.js";
import { readNumberNow } from "./resource-lease.js";

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

// The run's types live beside the steps that share them; callers know reconciliation by this file.
export type {
  AfterReconcileRun,
  AfterReconcileStep,
  ReconcileCounts,
  ReconcileDeps,
  ReconcileReader,
  ReconcileRun,
} from "./reconcile-context.js";

const DEFAULT_REREAD_BUDGET = 240;
/** Staged rows older than this belong to a run that died. */
const STALE_STAGING_SECONDS = 6 * 60 * 60;

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
