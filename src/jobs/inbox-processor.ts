import type { Kysely } from "kysely";
import { HOUR, type Random } from "../clock.js";
import { pruneRuns } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import {
  type ClaimedEvent,
  claimDueEvents,
  markEventFailed,
  markEventsProcessed,
  pruneWebhookEvents,
  renewEventLeases,
  scheduleEventRetry,
} from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { PeekerError } from "../peeker/errors.js";
import { createWorkerLoop, type WorkerLoop } from "./worker-loop.js";

/**
 * The inbox processor (design §5 "Durable work"): claims due events with SKIP LOCKED and a lease, processes
 * them, and marks them processed, retried with backoff, or failed after `maxAttempts` (kept with its error).
 * A killed process loses nothing: its leases expire and any replica takes the rows again.
 */

export interface InboxProcessorOptions {
  db: Kysely<Database>;
  workerId: string;
  logger: Logger;
  metrics: Metrics;
  handle: (event: ClaimedEvent) => Promise<unknown>;
  random?: Random;
  batchSize?: number;
  concurrency?: number;
  /** Lease of a claimed event, seconds (default 30); renewed while the batch is worked on. */
  leaseSeconds?: number;
  /** Poll for events other replicas accepted, ms (default 1000). */
  pollMs?: number;
  maxAttempts?: number;
}

export const MAX_ATTEMPTS = 10;

export function createInboxProcessor(options: InboxProcessorOptions): WorkerLoop {
  const { db, workerId, logger, metrics } = options;
  const batchSize = options.batchSize ?? 25;
  const concurrency = options.concurrency ?? 4;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const random = options.random ?? Math.random;
  let lastPrune = 0;

  /** Handles one event; returns its id when it succeeded (marked processed with the rest of the batch). */
  const finish = async (event: ClaimedEvent): Promise<string | undefined> => {
    try {
      await options.handle(event);
      return event.event_id;
    } catch (error) {
      const message = describe(error);
      if (event.attempts >= maxAttempts) {
        await markEventFailed(db, workerId, event.event_id, message);
        metrics.eventsProcessed.inc({ outcome: "failed" });
        logger.error(
          { eventId: event.event_id, attempts: event.attempts, error: message },
          "event failed for good",
        );
      } else {
        const delayMs = backoffMs(event.attempts, random);
        await scheduleEventRetry(db, workerId, event.event_id, delayMs, message);
        metrics.eventsProcessed.inc({ outcome: "retried" });
        logger.warn(
          { eventId: event.event_id, attempts: event.attempts, delayMs, error: message },
          "event retried",
        );
      }
      return undefined;
    }
  };

  const tick = async (): Promise<boolean> => {
    if (Date.now() - lastPrune > HOUR) {
      lastPrune = Date.now();
      // Hourly housekeeping rides on this loop: old inbox events and old cron slot rows.
      const pruned = (await pruneWebhookEvents(db)) + (await pruneRuns(db));
      if (pruned > 0) logger.info({ pruned }, "old inbox events and run rows pruned");
    }
    const batch = await claimDueEvents(db, workerId, batchSize, leaseSeconds);
    if (batch.length === 0) return false;
    const renew = setInterval(
      () => {
        renewEventLeases(
          db,
          workerId,
          batch.map((e) => e.event_id),
          leaseSeconds,
        ).catch(() => {});
      },
      (leaseSeconds * 1000) / 3,
    );
    try {
      const done = await runWithConcurrency(batch, concurrency, finish);
      // One statement for the whole batch: under a burst the processor's writes must not crowd out the intake's.
      const processed = done.filter((id): id is string => id !== undefined);
      await markEventsProcessed(db, workerId, processed);
      metrics.eventsProcessed.inc({ outcome: "processed" }, processed.length);
    } finally {
      clearInterval(renew);
    }
    return batch.length === batchSize;
  };

  return createWorkerLoop({ name: "inbox", logger, pollMs: options.pollMs ?? 1000, tick });
}

/** Exponential from 1 s, capped at 10 min, with jitter so replicas do not retry in lockstep. */
export function backoffMs(attempts: number, random: Random): number {
  const ceiling = Math.min(1000 * 2 ** Math.max(0, attempts - 1), 10 * 60 * 1000);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function describe(error: unknown): string {
  if (error instanceof PeekerError) {
    return `Peeker ${error.code}${error.requestId ? ` (request ${error.requestId})` : ""}: ${error.message}`.slice(
      0,
      1000,
    );
  }
  return String((error as Error)?.message ?? error).slice(0, 1000);
}

async function runWithConcurrency<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(runners);
  return results;
}
