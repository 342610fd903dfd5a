import type { Logger } from "../logger.js";

/**
 * A background loop that runs `tick` until it reports no more work, then sleeps until woken in memory or until
 * the poll interval passes (the poll covers work another replica accepted). `stop()` waits for the tick in
 * flight, so shutdown never cuts a claimed row half-way.
 */
export interface WorkerLoop {
  start(): void;
  wake(): void;
  stop(): Promise<void>;
}

export interface WorkerLoopOptions {
  name: string;
  logger: Logger;
  pollMs: number;
  /**
   * Does one unit of work; resolves true when more work is probably waiting. `stopping` aborts when stop() is
   * called, for a tick that waits inside (it should then start no new work).
   */
  tick: (stopping: AbortSignal) => Promise<boolean>;
  /** Pause after a tick throws (the database is down, say), so the loop does not spin. */
  errorPauseMs?: number;
}

export function createWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  let done: Promise<void> | undefined;
  let woken = false;
  let stopping = new AbortController();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      wakeUp = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      clearTimeout(timer);
      wakeUp = undefined;
    });

  const run = async () => {
    while (running) {
      let more = false;
      try {
        more = await options.tick(stopping.signal);
      } catch (error) {
        options.logger.warn(
          { loop: options.name, err: { message: (error as Error).message } },
          "worker tick failed",
        );
        if (running) await sleep(options.errorPauseMs ?? 1000);
        continue;
      }
      if (!more && running) await sleep(options.pollMs);
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      stopping = new AbortController();
      done = run();
    },
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      running = false;
      stopping.abort();
      wakeUp?.();
      await done;
    },
  };
}
