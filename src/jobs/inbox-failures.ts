import type { Kysely } from "kysely";
import type { Random } from "../clock.js";
import type { Database } from "../db/schema.js";
import {
  type ClaimedEvent,
  deferEventForBusyResource,
  markEventFailed,
  scheduleEventRetry,
} from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { PeekerError } from "../peeker/errors.js";
import { ResourceBusyError } from "../pending/process-event.js";

/**
 * What becomes of an inbox event its handler threw on (src/jobs/inbox-processor.ts): deferred without counting
 * an attempt while another worker re-reads its resource, retried with backoff, or failed for good after
 * `maxAttempts` (kept with its error).
 */

export interface InboxFailureSettings {
  db: Kysely<Database>;
  workerId: string;
  logger: Logger;
  metrics: Metrics;
  maxAttempts: number;
  random: Random;
}

/** Longest an event waits for a busy resource before looking again (its holder usually gives the lease back soon). */
const BUSY_MAX_WAIT_MS = 2000;
/** Spread of the retries of events waiting on one resource, so they do not all come back in the same instant. */
const BUSY_JITTER_MS = 500;

/** Records why the handler failed on the event, as a deferral (busy resource), a retry or a final failure. */
export function settleFailedEvent(
  settings: InboxFailureSettings,
  event: ClaimedEvent,
  error: unknown,
): Promise<void> {
  return error instanceof ResourceBusyError
    ? deferForHolder(settings, event, error)
    : recordFailure(settings, event, describe(error));
}

async function deferForHolder(
  settings: InboxFailureSettings,
  event: ClaimedEvent,
  busy: ResourceBusyError,
): Promise<void> {
  const jitterMs = Math.round(settings.random() * BUSY_JITTER_MS);
  await deferEventForBusyResource(settings.db, settings.workerId, event.event_id, {
    resourceKey: busy.resource,
    maxWaitMs: BUSY_MAX_WAIT_MS,
    jitterMs,
    error: busy.message,
  });
  settings.metrics.eventsProcessed.inc({ outcome: "retried" });
  settings.logger.info(
    { eventId: event.event_id, resource: busy.resource },
    "event waits for its resource's lease",
  );
}

async function recordFailure(
  settings: InboxFailureSettings,
  event: ClaimedEvent,
  message: string,
): Promise<void> {
  const { db, workerId, logger, metrics } = settings;
  if (event.attempts >= settings.maxAttempts) {
    await markEventFailed(db, workerId, event.event_id, message);
    metrics.eventsProcessed.inc({ outcome: "failed" });
    logger.error(
      { eventId: event.event_id, attempts: event.attempts, error: message },
      "event failed for good",
    );
  } else {
    const delayMs = backoffMs(event.attempts, settings.random);
    await scheduleEventRetry(db, workerId, event.event_id, delayMs, message);
    metrics.eventsProcessed.inc({ outcome: "retried" });
    logger.warn(
      { eventId: event.event_id, attempts: event.attempts, delayMs, error: message },
      "event retried",
    );
  }
}

/** Exponential from 1 s, capped at 10 min, with jitter so replicas do not retry in lockstep. */
function backoffMs(attempts: number, random: Random): number {
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
