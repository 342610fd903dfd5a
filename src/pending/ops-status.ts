import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import {
  type FailedEvent,
  listFailedEvents,
  type OutboxStats,
  outboxStats,
} from "../db/health.repository.js";
import { lastRun } from "../db/runs.repository.js";
import type { Database, RunRow } from "../db/schema.js";
import { type InboxStats, inboxStats, retryFailedEvent } from "../db/webhook-events.repository.js";
import type { PeekerClient } from "../peeker/client.js";
import type { Me } from "../peeker/types.js";
import { SLASH_PEEKER_CALL } from "./lookups.js";
import { openCountsByReason } from "./open-actions.js";

/**
 * How the bot itself is doing (`/peeker status`, `/peeker reconcile`): the webhook inbox and its failed events,
 * the Slack outbox (the same on every replica), the last runs of a job, and a `GET /me` probe of Peeker; and the
 * operator's *Retry* of a failed event.
 */

/** Failed events `/peeker status` lists (each with *Retry*). */
const FAILED_SHOWN = 10;

/** Whether Peeker answered `GET /me`, how fast (ms), and whether calls are paused after a 429. */
export type PeekerHealth = { ms: number; pausedUntil?: Date } & (
  | { ok: true; me: Me }
  | { ok: false; error: unknown }
);

export interface StatusReport {
  inbox: InboxStats;
  failed: FailedEvent[];
  outbox: OutboxStats;
  lastReconcile: RunRow | undefined;
  peeker: PeekerHealth;
  /** Open (and resolving) actions in all. */
  queueTotal: number;
}

export interface OpsStatusDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "me" | "pausedUntil">;
}

export interface OpsStatus {
  report(): Promise<StatusReport>;
  /** The latest run of a job (any outcome, running included). */
  lastRun(job: string): Promise<RunRow | undefined>;
  /**
   * Puts a failed event back in the inbox with fresh attempts, audited as the operator's request. False when it
   * is not failed any more (already retried or processed).
   */
  retryFailedEvent(eventId: string, actor: string): Promise<boolean>;
}

export function createOpsStatus({ db, peeker }: OpsStatusDeps): OpsStatus {
  return {
    async report() {
      const [inbox, failed, outbox, lastReconcile, byReason, health] = await Promise.all([
        inboxStats(db),
        listFailedEvents(db, FAILED_SHOWN),
        outboxStats(db),
        lastRun(db, "reconcile"),
        openCountsByReason(db),
        probePeeker(peeker),
      ]);
      const queueTotal = byReason.reduce((sum, r) => sum + r.count, 0);
      return { inbox, failed, outbox, lastReconcile, peeker: health, queueTotal };
    },

    lastRun: (job) => lastRun(db, job),

    async retryFailedEvent(eventId, actor) {
      const retried = await retryFailedEvent(db, eventId);
      if (retried) {
        await appendAudit(db, [
          { actor, action: "event.retry_requested", resourceId: eventId, details: { event_id: eventId } },
        ]);
      }
      return retried;
    },
  };
}

async function probePeeker(peeker: OpsStatusDeps["peeker"]): Promise<PeekerHealth> {
  // Elapsed time, not business time: performance.now(), which no clock setting moves.
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const pausedUntil = peeker.pausedUntil;
  const paused = pausedUntil ? { pausedUntil } : {};
  try {
    const { data } = await peeker.me(SLASH_PEEKER_CALL);
    return { ok: true, ms: elapsed(), me: data, ...paused };
  } catch (error) {
    return { ok: false, ms: elapsed(), error, ...paused };
  }
}
