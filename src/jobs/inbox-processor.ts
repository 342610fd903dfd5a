import type { Kysely } from "kysely";
import { HOUR, type Random } from "../clock.js";
import { pruneRuns } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import {
  type ClaimedEvent,
  claimDueEvents,
  deferEventForBusyResource,
  markEventFailed,
  markEventsProcessed,
  pruneWebhookEvents,
  scheduleEventRetry,
} from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { PeekerError } from "../peeker/errors.js";
import { ResourceBusyError } from "../pending/process-event.js";
import { type EventLeases, keepEventLeases } from "./event-leases.js";
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
  /** `signal` aborts when this worker lost the event's lease: stop applying, someone else owns it now. */
  handle: (event: ClaimedEvent, context: { signal: AbortSignal }) => Promise<unknown>;
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
/** Longest an event waits for a busy resource before looking again (its holder usually gives the lease back soon). */
const BUSY_MAX_WAIT_MS = 2000;
/** Spread of the retries of events waiting on one resource, so they do not all come back in the same instant. */
const BUSY_JITTER_MS = 500;

export function createInboxProcessor(options: InboxProcessorOptions): WorkerLoop {
  const { db, workerId, logger, metrics } = options;
  const batchSize = options.batchSize ?? 25;
  const concurrency = options.concurrency ?? 4;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const random = options.random ?? Math.random;
  let lastPrune = 0;

  /**
   * Handles one event; returns its id when it succeeded (marked processed with the rest of the batch). Never
   * throws: one runner's failure must not end the batch (and with it the others' lease renewal).
   */
  const finish = async (event: ClaimedEvent, leases: EventLeases): Promise<string | undefined> => {
    // A lease lost while the event waited its turn: not ours to apply any more.
    if (!leases.owns(event.event_id)) return undefined;
    try {
      await options.handle(event, { signal: leases.signal(event.event_id) });
      return event.event_id;
    } catch (error) {
      if (!leases.owns(event.event_id)) return undefined;
      const settle =
        error instanceof ResourceBusyError
          ? deferForHolder(event, error)
          : recordFailure(event, describe(error));
      await settle.catch((markError: unknown) =>
        logger.error(
          { eventId: event.event_id, err: { message: (markError as Error)?.message } },
          "could not record an event's failure; its lease runs out and it is tried again",
        ),
      );
      return undefined;
    }
  };

  const deferForHolder = async (event: ClaimedEvent, busy: ResourceBusyError) => {
    const jitterMs = Math.round(random() * BUSY_JITTER_MS);
    await deferEventForBusyResource(db, workerId, event.event_id, {
      resourceKey: busy.resource,
      maxWaitMs: BUSY_MAX_WAIT_MS,
      jitterMs,
      error: busy.message,
    });
    metrics.eventsProcessed.inc({ outcome: "retried" });
    logger.info({ eventId: event.event_id, resource: busy.resource }, "event waits for its resource's lease");
  };

  const recordFailure = async (event: ClaimedEvent, message: string) => {
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
  };

  const tick = async (): Promise<boolean> => {
    if (Date.now() - lastPrune > HOUR) {
      lastPrune = Date.now();
      // Hourly housekeeping rides on this loop: old inbox events and old cron slot rows.
      const pruned = (await pruneWebhookEvents(db)) + (await pruneRuns(db));
      if (pruned > 0) logger.info({ pruned }, "old inbox events and run rows pruned");
    }
    const claimedAt = Date.now();
    const batch = await claimDueEvents(db, workerId, batchSize, leaseSeconds);
    if (batch.length === 0) return false;
    const leases = keepEventLeases({
      db,
      workerId,
      eventIds: batch.map((e) => e.event_id),
      leaseSeconds,
      logger,
      metrics,
      claimedAt,
    });
    try {
      const done = await runWithConcurrency(batch, concurrency, (event) => finish(event, leases));
      // One statement for the whole batch: under a burst the processor's writes must not crowd out the intake's.
      // Only events whose lease is still ours (the statement checks it again in the database).
      const processed = done.filter((id): id is string => id !== undefined && leases.owns(id));
      await markEventsProcessed(db, workerId, processed);
      metrics.eventsProcessed.inc({ outcome: "processed" }, processed.length);
    } finally {
      leases.stop();
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
