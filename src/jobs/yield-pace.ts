/**
 * The inbox processor's pace while it yields to the webhook intake (src/jobs/inbox-processor.ts `yieldPaceMs`):
 * `wait()` lets at least `paceMs` pass between two claims. Stopping ends a pause at once, so shutdown never waits
 * one out, and says so (`stopped`), so the tick starts no new work after it.
 */
export interface YieldPace {
  wait(): Promise<void>;
  readonly stopped: boolean;
  stop(): void;
  resume(): void;
}

export function createYieldPace(paceMs: number): YieldPace {
  let nextAt = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let endPause: (() => void) | undefined;
  return {
    async wait() {
      const wait = nextAt - performance.now();
      if (wait > 0 && !stopped) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          endPause = resolve;
          timer = setTimeout(resolve, wait);
        });
        clearTimeout(timer);
        endPause = undefined;
      }
      nextAt = performance.now() + paceMs;
    },
    get stopped() {
      return stopped;
    },
    stop() {
      stopped = true;
      endPause?.();
    },
    resume() {
      stopped = false;
    },
  };
}
