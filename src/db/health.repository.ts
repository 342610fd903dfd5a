import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * Read-only health figures over the inbox and the outbox, for `/peeker status` and the App Home. They come from
 * the database, not from one process's counters, so every replica answers the same.
 */

export interface FailedEvent {
  eventId: string;
  type: string | null;
  failedAt: Date;
  attempts: number;
  lastError: string | null;
}

/** Events that failed after every attempt, newest first (an operator may retry them). */
export async function listFailedEvents(db: Kysely<Database>, limit: number): Promise<FailedEvent[]> {
  const rows = await db
    .selectFrom("webhook_events")
    .select(["event_id", "type", "failed_at", "attempts", "last_error"])
    .where("failed_at", "is not", null)
    .orderBy("failed_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    type: r.type,
    failedAt: r.failed_at as Date,
    attempts: r.attempts,
    lastError: r.last_error,
  }));
}

export interface OutboxStats {
  /** Cards whose latest render is not in Slack yet (held ones excluded). */
  cardsWaiting: number;
  /** Cards held back by the backlog guard. */
  cardsHeld: number;
  linesWaiting: number;
  /** Age of the oldest waiting card, seconds (0 when none waits). */
  oldestWaitingSeconds: number;
  /** Waiting cards whose last attempt failed, and the latest such error. */
  failing: number;
  lastError: string | undefined;
}

export async function outboxStats(db: Kysely<Database>): Promise<OutboxStats> {
  const result = await sql<{
    waiting: string;
    held: string;
    lines: string;
    oldest: number | null;
    failing: string;
    last_error: string | null;
  }>`
    SELECT
      (SELECT count(*) FROM slack_cards WHERE posted_hash IS DISTINCT FROM desired_hash AND NOT held) AS waiting,
      (SELECT count(*) FROM slack_cards WHERE held) AS held,
      (SELECT count(*) FROM thread_lines WHERE state <> 'sent') AS lines,
      (SELECT extract(epoch FROM now() - min(updated_at))::float8 FROM slack_cards
        WHERE posted_hash IS DISTINCT FROM desired_hash AND NOT held) AS oldest,
      (SELECT count(*) FROM slack_cards
        WHERE posted_hash IS DISTINCT FROM desired_hash AND last_error IS NOT NULL) AS failing,
      (SELECT last_error FROM slack_cards
        WHERE posted_hash IS DISTINCT FROM desired_hash AND last_error IS NOT NULL
        ORDER BY updated_at DESC LIMIT 1) AS last_error`.execute(db);
  const row = result.rows[0];
  return {
    cardsWaiting: Number(row?.waiting ?? 0),
    cardsHeld: Number(row?.held ?? 0),
    linesWaiting: Number(row?.lines ?? 0),
    oldestWaitingSeconds: Math.max(0, row?.oldest ?? 0),
    failing: Number(row?.failing ?? 0),
    lastError: row?.last_error ?? undefined,
  };
}

/**
 * A cheap fingerprint of everything the App Home shows: when it changes, the Home tabs of recent viewers are
 * republished.
 */
export async function homeFingerprint(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ fp: string }>`
    SELECT concat_ws('|',
      (SELECT count(*) FROM pending_actions WHERE state <> 'resolved'),
      (SELECT max(updated_at) FROM pending_actions),
      (SELECT count(*) FROM pending_actions WHERE state <> 'resolved' AND claimed_by IS NOT NULL),
      (SELECT count(*) FROM webhook_events WHERE failed_at IS NOT NULL),
      (SELECT max(started_at) FROM runs WHERE job = 'reconcile' AND outcome <> 'running')
    ) AS fp`.execute(db);
  return result.rows[0]?.fp ?? "";
}
