/**
 * What the status, App Home and history views render, owned by the views: only the fields they show. Field names
 * follow the data they are filled from (the read models in src/pending/), so those results fit without copying,
 * and a view never depends on how a table or a query is shaped.
 */

/** The webhook inbox: events waiting, the age of the oldest (s), and how many failed after every attempt. */
export interface InboxHealth {
  depth: number;
  lagSeconds: number;
  failed: number;
}

/** An event that failed after every attempt (an operator may retry it). */
export interface FailedEventLine {
  eventId: string;
  type: string | null;
  failedAt: Date;
  attempts: number;
  lastError: string | null;
}

/** The Slack outbox: what is not in Slack yet, and why. */
export interface OutboxHealth {
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

/** One run of a cron job (the last reconcile): when it started, how it ended, what it counted. */
export interface JobRun {
  started_at: Date;
  outcome: "running" | "succeeded" | "failed";
  error: string | null;
  counts: Record<string, number> | null;
}

/** One line of an audit trail. `details` had its secrets removed before it was stored. */
export interface AuditLine {
  at: Date;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  peekerRequestId: string | null;
}
