import type { Kysely } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import {
  type BareEvent,
  lockDueBareEvents,
  markBareEventsFailed,
  markBareEventsProcessed,
  rekeyWaitingEvents,
} from "../db/bare-events.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { BareEventVerdict } from "../pending/ignored-events.js";

/**
 * The bulk path for inbox events that name no resource and were stored waiting (issue #14 item 2). The intake
 * stores such events already settled (src/pending/intake.ts `inboxRowOf`); this path settles the rest — rows
 * stored by a replica of an earlier version, or retried by an operator — in one short transaction per batch (lock,
 * mark processed, audit) instead of a claim with a lease, a handler and a processed mark per group. A row whose
 * payload cannot be read is marked failed with its error, so one bad row never holds back the batch.
 *
 * Atomic: a crash before the commit leaves every row waiting, as it was; after it, every row is processed with its
 * audit row. No network call happens inside the transaction.
 */

export interface BareEventSettling {
  db: Kysely<Database>;
  classify: (event: BareEvent) => BareEventVerdict;
  /** Most events settled in one transaction. */
  limit: number;
}

export interface SettledBareEvents {
  settled: number;
  rekeyed: number;
  /** Marked failed: a payload that could not be read (kept with its error for an operator). */
  failed: number;
  /** The batch was full: more are probably waiting. */
  full: boolean;
}

export async function settleBareEvents(settings: BareEventSettling): Promise<SettledBareEvents> {
  return settings.db.transaction().execute(async (trx) => {
    const events = await lockDueBareEvents(trx, settings.limit);
    const ignored: string[] = [];
    const audit: AuditEntry[] = [];
    const rekey: Array<{ eventId: string; resourceKey: string }> = [];
    const unreadable: Array<{ eventId: string; error: string }> = [];
    for (const event of events) {
      let verdict: BareEventVerdict;
      try {
        verdict = settings.classify(event);
      } catch (error) {
        // One row the bot cannot read must not hold back the batch, nor every batch after it.
        unreadable.push({
          eventId: event.event_id,
          error: `unreadable payload: ${(error as Error).message}`,
        });
        continue;
      }
      if (verdict.kind === "ignored") {
        ignored.push(event.event_id);
        audit.push(verdict.audit);
      } else {
        rekey.push({ eventId: event.event_id, resourceKey: verdict.resourceKey });
      }
    }
    await markBareEventsProcessed(trx, ignored);
    await appendAudit(trx, audit);
    await rekeyWaitingEvents(trx, rekey);
    await markBareEventsFailed(trx, unreadable);
    return {
      settled: ignored.length,
      rekeyed: rekey.length,
      failed: unreadable.length,
      full: events.length === settings.limit,
    };
  });
}

/**
 * The intake stores the events that name no resource already settled; the few stored waiting (by a replica of an
 * earlier version, or retried by an operator) are looked for once a poll interval, or again at once after a full
 * batch. A failure here is logged and the claim goes on: bare events never hold back the resources.
 */
export function bareEventSettler(settings: {
  db: Kysely<Database>;
  classify: (event: BareEvent) => BareEventVerdict;
  logger: Logger;
  metrics: Metrics;
  pollMs: number;
  limit: number;
}): () => Promise<SettledBareEvents | undefined> {
  const { db, classify, logger, metrics, pollMs, limit } = settings;
  let nextAt = Number.NEGATIVE_INFINITY;
  return async () => {
    if (performance.now() < nextAt) return undefined;
    nextAt = performance.now() + pollMs;
    try {
      const settled = await settleBareEvents({ db, classify, limit });
      if (settled.full) nextAt = Number.NEGATIVE_INFINITY;
      if (settled.settled) metrics.eventsProcessed.inc({ outcome: "processed" }, settled.settled);
      if (settled.failed) {
        metrics.eventsProcessed.inc({ outcome: "failed" }, settled.failed);
        logger.warn({ failed: settled.failed }, "inbox events with an unreadable payload marked failed");
      }
      return settled;
    } catch (error) {
      logger.warn(
        { err: { message: (error as Error).message } },
        "could not settle the inbox events that name no resource; tried again next poll",
      );
      return undefined;
    }
  };
}
