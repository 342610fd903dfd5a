import type { Kysely } from "kysely";
import { claimRunSlot, finishRun } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";

/**
 * Cron slots (design §3): a slot is node-cron's scheduled instant, not the moment the callback ran, so every
 * replica computes the same one; a manual run uses `manual:<UTC minute>`, so two requests in a minute run once.
 */

export function cronSlot(scheduled: Date): string {
  return new Date(Math.floor(scheduled.getTime() / 1000) * 1000).toISOString();
}

export function manualSlot(now: Date): string {
  return `manual:${now.toISOString().slice(0, 16)}Z`;
}

export type SlotOutcome<T> = { ran: true; result: T } | { ran: false };

export interface JobResult {
  counts: Record<string, number>;
}

/**
 * Runs `work` once for (job, slot) across replicas: the first replica to insert the `runs` row runs it, the
 * others skip. The row records the outcome and counts; a failure is recorded and rethrown.
 */
export async function runInSlot<T extends JobResult>(
  deps: { db: Kysely<Database>; logger: Logger; runner: string },
  job: string,
  slot: string,
  work: () => Promise<T>,
): Promise<SlotOutcome<T>> {
  if (!(await claimRunSlot(deps.db, job, slot, deps.runner))) {
    deps.logger.debug({ job, slot }, "slot already run by another replica");
    return { ran: false };
  }
  try {
    const result = await work();
    await finishRun(deps.db, job, slot, { ok: true, counts: result.counts });
    return { ran: true, result };
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    await finishRun(deps.db, job, slot, { ok: false, counts: {}, error: message.slice(0, 1000) }).catch(
      () => {},
    );
    throw error;
  }
}
