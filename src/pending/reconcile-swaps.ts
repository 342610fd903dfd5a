import { trackedForSwap } from "../db/reconcile.repository.js";
import type { Swap } from "../peeker/types.js";
import { applySnapshot } from "./apply-snapshot.js";
import { add, applyContext, isNewerThanRun, type RunContext, stopIfAborted } from "./reconcile-context.js";
import { swapSnapshots } from "./reread-swap.js";
import { admitReads } from "./resource-lease.js";
import { keyOf } from "./resource-model.js";

/**
 * Step 3 of reconciliation (src/pending/reconcile.ts): walk `GET /swaps?status=action_required` and apply each
 * swap like a re-read of that swap, one transaction per swap.
 */

export async function walkSwaps(ctx: RunContext): Promise<void> {
  const walk = ctx.reader.listSwaps({ status: "action_required", per_page: 100 });
  for await (const page of walk.pages()) {
    stopIfAborted(ctx.run);
    ctx.counts.list_calls++;
    for (const swap of page.data) {
      if (swap.status !== "action_required") continue;
      ctx.counts.seen += Math.max(1, swap.pending_actions?.length ?? 0);
      try {
        await applySwap(ctx, swap, page.requestId);
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

/** One listed swap, in its own transaction: skipped when a newer re-read or change got there first. */
async function applySwap(ctx: RunContext, swap: Swap, requestId: string | undefined): Promise<void> {
  await ctx.deps.db.transaction().execute(async (trx) => {
    const key = keyOf("swap", swap.id);
    const admitted = await admitReads(trx, [{ ...ctx.walkRead, resource: key }], {
      answersEarlierEvents: false,
    });
    if (!admitted.has(key)) {
      ctx.counts.skipped += Math.max(1, swap.pending_actions?.length ?? 0);
      return;
    }
    const snapshots = swapSnapshots(swap, requestId);
    const keys = snapshots.flatMap((s) => s.open.map((o) => o.cardKey));
    const related = await trackedForSwap(trx, swap.id, keys);
    if (related.some((row) => isNewerThanRun(ctx, row))) {
      ctx.counts.skipped += keys.length;
      return;
    }
    const now = ctx.deps.now();
    for (const snapshot of snapshots)
      add(ctx.counts, await applySnapshot(applyContext(ctx, trx, now), snapshot));
  });
}
