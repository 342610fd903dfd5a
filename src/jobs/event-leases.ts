import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { renewEventLeases } from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/**
 * The leases of one claimed batch of inbox events (issue #10 item 9). Renewed every third of the lease while
 * any event of the batch is still being worked on; a failed renewal is logged and counted
 * (`peeker_inbox_lease_renewals_total{outcome="error"}`), never swallowed, and retried event by event so one bad
 * row cannot stop the others' renewal. An event whose lease lapsed or was taken is *lost*: its signal aborts,
 * its runner starts nothing more for it, and the processor marks nothing for it (another replica owns it now).
 */
export interface EventLeases {
  /** Still ours: renewed in time and not taken by another worker. */
  owns(eventId: string): boolean;
  /** Aborted once the event's lease is lost. */
  signal(eventId: string): AbortSignal;
  /** The batch is marked: stop renewing. */
  stop(): void;
}

export function keepEventLeases(input: {
  db: Kysely<Database>;
  workerId: string;
  eventIds: string[];
  leaseSeconds: number;
  logger: Logger;
  metrics: Metrics;
  /**
   * When the claim that granted the leases was sent (`performance.now()`, ms): they run out a lease later at the
   * latest. Our estimates of the leases' ends are deadlines on the monotonic clock, not business time.
   */
  claimedAt: number;
}): EventLeases {
  const { db, workerId, leaseSeconds, logger, metrics } = input;
  const leaseMs = leaseSeconds * 1000;
  // Our own estimate of each lease's end, counted from *before* the statement that set it: never optimistic.
  const expiresAt = new Map(input.eventIds.map((id) => [id, input.claimedAt + leaseMs]));
  const aborts = new Map(input.eventIds.map((id) => [id, new AbortController()]));
  // Renewed until the batch is marked (a finished event waits for its batch's one marking statement).
  const active = new Set(input.eventIds);

  const lose = (id: string, why: string) => {
    if (!active.delete(id)) return;
    expiresAt.delete(id);
    metrics.inboxLeaseRenewals.inc({ outcome: "lost" });
    logger.warn({ eventId: id, why }, "inbox lease lost; the event is left to whoever holds it now");
    aborts.get(id)?.abort(new Error(`inbox lease lost (${why})`));
  };

  const renew = async (ids: string[], sentAt: number): Promise<void> => {
    const renewed = new Set(await renewEventLeases(db, workerId, ids, leaseSeconds));
    for (const id of ids) {
      if (!active.has(id)) continue;
      if (renewed.has(id)) {
        expiresAt.set(id, sentAt + leaseMs);
        metrics.inboxLeaseRenewals.inc({ outcome: "renewed" });
      } else lose(id, "taken by another worker or expired");
    }
  };

  const failed = (ids: string[], error: unknown) => {
    metrics.inboxLeaseRenewals.inc({ outcome: "error" }, ids.length);
    logger.error(
      { eventIds: ids, err: { message: (error as Error)?.message ?? String(error) } },
      "could not renew inbox leases",
    );
  };

  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const ids = [...active];
      if (ids.length === 0) return;
      const sentAt = performance.now();
      await renew(ids, sentAt).catch(async (error: unknown) => {
        failed(ids, error);
        // One by one: a row that makes the statement fail must not cost the others their lease.
        for (const id of ids) await renew([id], performance.now()).catch((one: unknown) => failed([id], one));
      });
      for (const [id, until] of expiresAt) if (until <= performance.now()) lose(id, "not renewed in time");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), leaseMs / 3);

  return {
    owns: (id) => active.has(id) && (expiresAt.get(id) ?? 0) > performance.now(),
    signal: (id) => aborts.get(id)?.signal ?? AbortSignal.abort(),
    stop() {
      clearInterval(timer);
      active.clear();
    },
  };
}
