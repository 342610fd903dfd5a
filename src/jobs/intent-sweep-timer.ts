import type { Kysely } from "kysely";
import { refreshHeartbeat } from "../db/heartbeats.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import { type IntentSweeperDeps, sweepIntents } from "../pending/intent-sweeper.js";
import { INTENT_OWNER } from "../pending/intents.js";
import { createWorkerLoop } from "./worker-loop.js";

/**
 * The intent sweeper's own timer (design §6, review item 4): on every replica, not slotted and independent of the
 * reconcile walks (a Peeker 429 there, or another replica winning the slot, must not keep a card `resolving`).
 * Each period it refreshes this process's heartbeat, then settles abandoned intents. A foreign owner counts as
 * gone once its heartbeat is older than two periods, so a card waits at most about three periods.
 */

/** A process missing two beats in a row is gone: one late beat (a slow database, a GC pause) is not enough. */
export function heartbeatStaleMs(periodMs: number): number {
  return 2 * periodMs;
}

export interface IntentSweepTimer {
  /** Starts the timer; its first sweep runs at once (the start-up sweep). */
  start(): void;
  /** Aborts the sweep in flight between rows and waits for it to end. */
  stop(): Promise<void>;
}

export function createIntentSweepTimer(
  deps: Omit<IntentSweeperDeps, "heartbeatStaleMs"> & {
    db: Kysely<Database>;
    logger: Logger;
    periodMs: number;
  },
): IntentSweepTimer {
  const abort = new AbortController();
  const sweepDeps: IntentSweeperDeps = { ...deps, heartbeatStaleMs: heartbeatStaleMs(deps.periodMs) };
  // The first tick runs at start: that is the start-up sweep (cards a dead process left are settled at once).
  const loop = createWorkerLoop({
    name: "intent-sweeper",
    logger: deps.logger,
    pollMs: deps.periodMs,
    errorPauseMs: deps.periodMs,
    tick: async () => {
      await refreshHeartbeat(deps.db, INTENT_OWNER);
      const counts = await sweepIntents(sweepDeps, abort.signal);
      if (counts.completed + counts.released > 0)
        deps.logger.info(counts, "settled cards a stopped process left");
      return false;
    },
  });
  return {
    start: () => loop.start(),
    async stop() {
      abort.abort();
      await loop.stop();
    },
  };
}
