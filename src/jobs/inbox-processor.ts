import type { Kysely } from "kysely";
import { HOUR, type Random } from "../clock.js";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import type { BareEvent } from "../db/bare-events.repository.js";
import { pruneRuns } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import {
  type ClaimedEvent,
  markEventsProcessed,
  pruneWebhookEvents,
} from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { BackgroundCapacity } from "../peeker/budget.js";
import type { BareEventVerdict } from "../pending/ignored-events.js";
import { type EventLeases, keepEventLeases } from "./event-leases.js";
import { bareEventSettler } from "./inbox-bare-events.js";
import { claimInboxBatch, type InboxClaimSettings } from "./inbox-claim.js";
import { type InboxFailureSettings, settleFailedEvent } from "./inbox-failures.js";
import type { RereadPacing } from "./reread-pacing.js";
import { createWorkerLoop, type WorkerLoop } from "./worker-loop.js";
import { createYieldPace } from "./yield-pace.js";

/**
 * The inbox processor (design §5 "Durable work"): claims due events with SKIP LOCKED and a lease
 * (src/jobs/inbox-claim.ts), processes them, and marks them processed, retried with backoff, or failed after
 * `maxAttempts` (kept with its error; src/jobs/inbox-failures.ts).
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
  /**
   * With coalescing: events naming no resource are settled in bulk (src/jobs/inbox-bare-events.ts) — ignored with
   * the audit row this says, or given the resource key their payload names — and never reach `handle`.
   * Omitted: they are claimed and handled one by one, like any event.
   */
  classifyBareEvent?: (event: BareEvent) => BareEventVerdict;
  /**
   * While this answers true — the webhook intake is pressed (src/app/intake-pressure.ts: a delivery waits for a
   * database connection, or more are in flight than the intake pool has connections) — a tick claims and works on
   * one resource only: under a flood the intake keeps its share of the database and the cores, and the events wait
   * in the inbox, where they coalesce. Work goes on, one resource at a time.
   */
  yieldToIntake?: () => boolean;
  /**
   * While yielding, the least time between two claims, ms (default 50: at most 20 resources a second). Peeker's
   * budget keeps the processor well below that anyway (480 calls a minute is about 4 re-reads a second); it binds
   * when the budget is raised, as in bench:intake, where a processor flat out took half of what the intake accepts.
   */
  yieldPaceMs?: number;
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

/** Most events naming no resource settled in one transaction (about 3 ms of database work on this machine). */
const BARE_EVENTS_PER_TICK = 200;

export function createInboxProcessor(options: InboxProcessorOptions): WorkerLoop {
  const { db, workerId, logger, metrics } = options;
  const batchSize = options.batchSize ?? 25;
  const concurrency = options.concurrency ?? 4;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const claiming: InboxClaimSettings = {
    db,
    workerId,
    coalesce: options.coalesce ?? true,
    batchSize,
    leaseSeconds,
    pollMs,
    capacity: options.capacity,
    pacing: options.pacing,
    claimBare: !(options.coalesce ?? true) || !options.classifyBareEvent,
  };
  const classify = options.classifyBareEvent;
  const failures: InboxFailureSettings = {
    db,
    workerId,
    logger,
    metrics,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    random: options.random ?? Math.random,
  };
  const housekeeping = hourlyHousekeeping(db, logger);
  const settleBare =
    classify && !claiming.claimBare
      ? bareEventSettler({ db, classify, logger, metrics, pollMs, limit: BARE_EVENTS_PER_TICK })
      : async () => undefined;
  const pace = createYieldPace(options.yieldPaceMs ?? 50);

  const tick = async (stopping: AbortSignal): Promise<boolean> => {
    await housekeeping();
    const bare = await settleBare();
    const yielding = options.yieldToIntake?.() ?? false;
    if (yielding) await pace(stopping);
    // Stopped during the pause: start no new work (stop() waits for this tick).
    if (stopping.aborted) return false;
    // Sent before the claim: the leases it grants run out a lease later at the latest (src/jobs/event-leases.ts).
    const claimedAt = performance.now();
    const claimed = await claimInboxBatch(yielding ? { ...claiming, batchSize: 1 } : claiming);
    const { groups } = claimed;
    const full = claimed.full || (bare?.full ?? false);
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
      const done = await runWithConcurrency(groups, yielding ? 1 : concurrency, (group) =>
        handleGroup(options.handle, failures, group, leases),
      );
      await markBatchProcessed(db, workerId, metrics, done, leases);
    } finally {
      leases.stop();
    }
    return full;
  };

  return createWorkerLoop({ name: "inbox", logger, pollMs, tick });
}

/** Hourly housekeeping rides on the inbox loop: old inbox events and old cron slot rows. */
function hourlyHousekeeping(db: Kysely<Database>, logger: Logger): () => Promise<void> {
  // Elapsed time on the monotonic clock: the first tick prunes at once, then one an hour.
  let lastPruneAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (performance.now() - lastPruneAt <= HOUR) return;
    lastPruneAt = performance.now();
    const pruned = (await pruneWebhookEvents(db)) + (await pruneRuns(db));
    if (pruned > 0) logger.info({ pruned }, "old inbox events and run rows pruned");
  };
}

/**
 * Handles one resource's events; returns their ids when it succeeded (marked processed with the rest of the
 * batch). Never throws: one runner's failure must not end the batch (and with it the others' lease renewal).
 */
async function handleGroup(
  handle: InboxProcessorOptions["handle"],
  failures: InboxFailureSettings,
  claimed: ClaimedEvent[],
  leases: EventLeases,
): Promise<{ ids: string[]; audit: AuditEntry[] }> {
  // A lease lost while the events waited their turn: not ours to apply any more.
  const group = claimed.filter((e) => leases.owns(e.event_id));
  if (group.length === 0) return { ids: [], audit: [] };
  try {
    const handled = await handle(group, {
      signal: AbortSignal.any(group.map((e) => leases.signal(e.event_id))),
    });
    const audit = (handled as HandledEvents | undefined)?.audit ?? [];
    return { ids: group.map((e) => e.event_id), audit };
  } catch (error) {
    for (const event of group) {
      if (!leases.owns(event.event_id)) continue;
      await settleFailedEvent(failures, event, error).catch((markError: unknown) =>
        failures.logger.error(
          { eventId: event.event_id, err: { message: (markError as Error)?.message } },
          "could not record an event's failure; its lease runs out and it is tried again",
        ),
      );
    }
    return { ids: [], audit: [] };
  }
}

/**
 * One statement for the whole batch: under a burst the processor's writes must not crowd out the intake's.
 * Only events whose lease is still ours (the statement checks it again in the database).
 * A group counts only while every lease of it is ours: its events and their audit rows go together (a
 * group that lost one is claimed again once its leases run out, and answered cheaply by the read just applied).
 */
async function markBatchProcessed(
  db: Kysely<Database>,
  workerId: string,
  metrics: Metrics,
  done: Array<{ ids: string[]; audit: AuditEntry[] }>,
  leases: EventLeases,
): Promise<void> {
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
