import { markChecked, unconfirmedActions } from "../db/reconcile.repository.js";
import { add, type RunContext, stopIfAborted } from "./reconcile-context.js";
import { refreshFromPeeker } from "./refresh-from-peeker.js";
import { type Resource, resourceOf } from "./resource-model.js";

/**
 * Step 4 of reconciliation (src/pending/reconcile.ts): within a request budget, re-read what the walks did not
 * confirm, oldest-checked first, through the shared re-read (lease, Peeker with no transaction, short apply).
 */

export async function rereadUnconfirmed(
  ctx: RunContext,
  kinds: string[],
  budget: { left: number },
): Promise<void> {
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
