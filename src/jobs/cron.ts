import { type Logger as CronLogger, createTask, type ScheduledTask } from "node-cron";
import type { Logger } from "../logger.js";
import { cronSlot } from "./slots.js";

/**
 * node-cron wiring (design §2: node-cron on every replica). The callback gets node-cron's scheduled instant
 * (`context.date`), turned into the slot, so every replica names the same slot and `runInSlot` inside the job
 * lets one of them run it. A slot whose runner died is not retried: the next slot covers it (every job here
 * looks at the whole state, not at a window).
 */

export interface SlotJob {
  name: string;
  /** node-cron expression (seconds field allowed); undefined = switched off. */
  expression: string | undefined;
  timezone?: string;
  /** `signal` aborts when the process stops; a long job checks it between steps. */
  run: (slot: string, signal: AbortSignal) => Promise<unknown>;
}

export interface Schedules {
  /** Stops scheduling, aborts the runs in flight and waits (bounded, ms) for them to end. */
  stop(waitMs?: number): Promise<void>;
}

export function startSchedules(jobs: SlotJob[], logger: Logger): Schedules {
  const inFlight = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = [];
  const abort = new AbortController();
  for (const job of jobs) {
    if (!job.expression) continue;
    const log = logger.child({ component: "cron", job: job.name });
    const task = createTask(
      job.expression,
      (context) => {
        const run = job
          .run(cronSlot(context.date), abort.signal)
          .catch((error: unknown) => log.error({ err: error }, "scheduled job failed"));
        inFlight.add(run);
        return run.finally(() => inFlight.delete(run));
      },
      {
        name: job.name,
        // A run still going when its next slot comes is not doubled on this replica; another may take the slot.
        noOverlap: true,
        ...(job.timezone ? { timezone: job.timezone } : {}),
        logger: cronLogger(log),
      },
    );
    tasks.push(task);
    task.start();
    log.info({ expression: job.expression, timezone: job.timezone ?? "UTC" }, "job scheduled");
  }
  return {
    async stop(waitMs = 5000) {
      await Promise.all(tasks.map((task) => task.destroy()));
      abort.abort();
      if (inFlight.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, waitMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

/** node-cron writes to the console by default (missed runs, overlaps, task errors); those lines belong in ours. */
export function cronLogger(log: Logger): CronLogger {
  const text = (message: string | Error) => (message instanceof Error ? message.message : message);
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message, err) => log.error({ err }, text(message)),
    debug: (message) => log.debug(text(message)),
  };
}
