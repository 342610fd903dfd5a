import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/pool.js";
import { type SlotJob, startSchedules } from "../jobs/cron.js";
import type { ReconcileJob } from "../jobs/reconcile.js";
import { retentionSchedule } from "../jobs/retention.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { Component } from "./components.js";

/** The cron schedules of the bot: every job is scheduled once, in one `startSchedules` (src/jobs/cron.ts). */

export interface ScheduleContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  workerId: string;
  metrics: Metrics;
  database: DatabaseHandle;
}

/** Reconcile and retention; every replica schedules them, the slot's `runs` row lets one run (design §3). */
export function coreJobs(context: ScheduleContext, runReconcile: ReconcileJob): SlotJob[] {
  const { config, logger, clock, workerId, metrics } = context;
  return [
    {
      name: "reconcile",
      expression: config.reconcileCron,
      run: (slot, signal) => runReconcile(slot, signal),
    },
    retentionSchedule(config.retentionCron, {
      db: context.database.db,
      logger: logger.child({ job: "retention" }),
      runner: workerId,
      now: () => clock.now(),
      metrics,
      retentionDays: config.retentionDays,
    }),
  ];
}

/** Every cron schedule of this process, started once (src/jobs/cron.ts). */
export function schedulesComponent(jobs: SlotJob[], logger: Logger): Component {
  let schedules: ReturnType<typeof startSchedules> | undefined;
  return {
    name: "schedules",
    start() {
      schedules = startSchedules(jobs, logger);
    },
    stop: () => schedules?.stop(),
  };
}
