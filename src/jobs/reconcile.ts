import type { Logger } from "../logger.js";
import { type ReconcileCounts, type ReconcileDeps, reconcile } from "../pending/reconcile.js";
import { runInSlot, type SlotOutcome } from "./slots.js";

/**
 * The reconcile job: one reconcile per slot across replicas (`runs (job, slot)`), its counts recorded there.
 * Cron (src/jobs/cron.ts), `npm run reconcile` and `/peeker reconcile` all go through it.
 */

export const RECONCILE_JOB = "reconcile";

export type ReconcileOutcome = SlotOutcome<{ counts: ReconcileCounts }>;

export type ReconcileJob = (slot: string, signal?: AbortSignal) => Promise<ReconcileOutcome>;

export function makeReconcileJob(deps: ReconcileDeps & { runner: string; logger: Logger }): ReconcileJob {
  const logger = deps.logger.child({ job: RECONCILE_JOB });
  return async (slot, signal) => {
    try {
      const outcome = await runInSlot(
        { db: deps.db, logger, runner: deps.runner },
        RECONCILE_JOB,
        slot,
        async () => ({
          counts: await reconcile({ ...deps, logger }, { slot, ...(signal ? { signal } : {}) }),
        }),
      );
      if (outcome.ran) logger.info({ slot, counts: outcome.result.counts }, "reconcile finished");
      else logger.info({ slot }, "reconcile slot already run by another replica or request");
      return outcome;
    } catch (error) {
      logger.error({ slot, err: { message: (error as Error)?.message } }, "reconcile failed");
      throw error;
    }
  };
}
