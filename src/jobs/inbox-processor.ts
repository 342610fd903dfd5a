import type { Kysely } from "kysely";
import { HOUR, type Random } from "../clock.js";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import { pruneRuns } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import {
  type ClaimedEvent,
  claimDueEvents,
  claimDueResources,
  deferEventForBusyResource,
  markEventFailed,
  markEventsProcessed,
  pruneWebhookEvents,
  scheduleEventRetry,
} from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { BackgroundCapacity } from "../peeker/budget.js";
import { PeekerError } from "../peeker/errors.js";
import { ResourceBusyError } from "../pending/process-event.js";
import { type EventLeases, keepEventLeases } from "./event-leases.js";
import type { RereadPacing } from "./reread-pacing.js";
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
  /**
   * Handles the claimed events of one resource (or one event that names none) together. `signal` aborts when
   * this worker lost an event's lease: stop applying, someone else owns it now.
   */
  handle: (events: ClaimedEvent[], context: { signal: AbortSignal }) => Promise<HandledEvents | unknown>;
  /**
   * Coalesced re-reads (issue #14, default on): claim a resource with all its waiting events, and no more
   * resources than Peeker's budget lets start now (`capacity`), so a burst waits in the inbox, where one
   * re-read answers every waiting event of a resource. Off: one event, one re-read, as before.
   */
  coalesce?: boolean;
  /** How many background Peeker calls may start now (src/peeker/budget.ts); unlimited when omitted. */
  capacity?: () => BackgroundCapacity;
  /** How fast re-reads start (src/jobs/reread-pacing.ts); unpaced when omitted. */
  pacing?: RereadPacing;
  random?: Random;
  batchSize?: number;
  concurrency?: number;
  /** Lease of a claimed event, seconds (default 30); renewed while the batch is worked on. */
  leaseSeconds?: number;
  /** Poll for events other replicas accepted, ms (default 1000). */
  pollMs?: number;
  maxAttempts?: number;
}

/**
 * What a handler may leave to the batch: audit rows written in the one transaction that marks the batch processed
 * (an ignored event's row), so a burst of no-op events costs the database one statement per batch, not per event.
 */
export interface HandledEvents {
  audit?: AuditEntry[];
}

export const MAX_ATTEMPTS = 10;
/** Most events one claimed resource brings along (a resource with more is claimed again for the rest). */
const EVENTS_PER_RESOURCE = 50;
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
  const coalesce = options.coalesce ?? true;
  let lastPrune = 0;

  /**
   * Handles one resource's events; returns their ids when it succeeded (marked processed with the rest of the
   * batch). Never throws: one runner's failure must not end the batch (and with it the others' lease renewal).
   */
  const finish = async (
    claimed: ClaimedEvent[],
    leases: EventLeases,
  ): Promise<{ ids: string[]; audit: AuditEntry[] }> => {
    // A lease lost while the events waited their turn: not ours to apply any more.
    const group = claimed.filter((e) => leases.owns(e.event_id));
    if (group.length === 0) return { ids: [], audit: [] };
    try {
      const handled = await options.handle(group, {
        signal: AbortSignal.any(group.map((e) => leases.signal(e.event_id))),
      });
      const audit = (handled as HandledEvents | undefined)?.audit ?? [];
      return { ids: group.map((e) => e.event_id), audit };
    } catch (error) {
      for (const event of group) {
        if (!leases.owns(event.event_id)) continue;
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
      }
      return { ids: [], audit: [] };
    }
  };

  /** Claims the next batch, grouped by resource (one group per event when coalescing is off). */
  const claim = async (): Promise<{ groups: ClaimedEvent[][]; full: boolean }> => {
    if (!coalesce) {
      const batch = await claimDueEvents(db, workerId, batchSize, leaseSeconds);
      return { groups: batch.map((event) => [event]), full: batch.length === batchSize };
    }
    const budget = options.capacity?.() ?? { now: batchSize, nextInMs: 0 };
    const paced = options.pacing?.available() ?? batchSize;
    const room = {
      now: Math.min(budget.now, paced),
      nextInMs: Math.max(budget.nextInMs, options.pacing?.nextInMs() ?? 0),
    };
    const resources = Math.min(batchSize, room.now);
    const batch = await claimDueResources(db, workerId, {
      resources,
      bareEvents: batchSize,
      maxEvents: batchSize * EVENTS_PER_RESOURCE,
      leaseSeconds,
    });
    // The intake keys an event naming no resource `event:<its id>`, so grouping by key keeps those one by one.
    const groups = new Map<string, ClaimedEvent[]>();
    for (const event of batch) {
      const key = event.resource_key ?? `event:${event.event_id}`;
      groups.set(key, [...(groups.get(key) ?? []), event]);
    }
    options.pacing?.take([...groups.keys()].filter((key) => !key.startsWith("event:")).length);
    if (batch.length === 0 && room.now === 0) {
      // Peeker's budget has no room for a re-read now: look again once it has, not a whole poll later.
      await new Promise((resolve) => setTimeout(resolve, Math.min(room.nextInMs, options.pollMs ?? 1000)));
      return { groups: [], full: true };
    }
    return { groups: [...groups.values()], full: batch.length > 0 };
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
    const { groups, full } = await claim();
    if (groups.length === 0) return full;
    const leases = keepEventLeases({
      db,
      workerId,
      eventIds: groups.flat().map((e) => e.event_id),
      leaseSeconds,
      logger,
      metrics,
      claimedAt,
    });
    try {
      const done = await runWithConcurrency(groups, concurrency, (group) => finish(group, leases));
      // One statement for the whole batch: under a burst the processor's writes must not crowd out the intake's.
      // Only events whose lease is still ours (the statement checks it again in the database).
      // A group counts only while every lease of it is ours: its events and their audit rows go together (a
      // group that lost one is claimed again once its leases run out, and answered cheaply by the read just applied).
      const owned = done.filter((d) => d.ids.every((id) => leases.owns(id)));
      const processed = owned.flatMap((d) => d.ids);
      await db.transaction().execute(async (trx) => {
        await appendAudit(
          trx,
          owned.flatMap((d) => d.audit),
        );
        await markEventsProcessed(trx, workerId, processed);
      });
      metrics.eventsProcessed.inc({ outcome: "processed" }, processed.length);
    } finally {
      leases.stop();
    }
    return full;
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
