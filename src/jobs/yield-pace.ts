import { setTimeout as sleep } from "node:timers/promises";

/**
 * The inbox processor's pace while it yields to the webhook intake (src/jobs/inbox-processor.ts `yieldPaceMs`):
 * the function it answers lets at least `paceMs` pass between two claims. The loop's stop signal ends a pause at
 * once, so shutdown never waits one out.
 */
export function createYieldPace(paceMs: number): (stopping: AbortSignal) => Promise<void> {
  let nextAt = Number.NEGATIVE_INFINITY;
  return async (stopping) => {
    const wait = nextAt - performance.now();
    // An abort rejects the sleep: the caller reads `stopping.aborted` next.
    if (wait > 0) await sleep(wait, undefined, { signal: stopping }).catch(() => {});
    nextAt = performance.now() + paceMs;
  };
}
