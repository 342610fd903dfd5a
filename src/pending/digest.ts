import type { Kysely } from "kysely";
import { resolvedCountsByWhom, resolvedTimes } from "../db/resolved-actions.repository.js";
import type { Database } from "../db/schema.js";
import {
  breachCountsByReason,
  oldestOpen,
  openCountsByReason,
  type QueueItem,
  type ReasonCount,
} from "./open-actions.js";
import type { PendingReasonSla } from "./reason-sla.js";

/**
 * The daily digest's content (design §1 "Daily digest"): what is open by reason, the oldest actions, SLA
 * breaches, and what was resolved since the previous digest, by whom and how fast. Pure data: rendering is
 * `src/bot/views/digest.ts`, posting is `src/jobs/digest.ts`.
 */

export interface DigestData {
  now: Date;
  /** Start of the "resolved since" window: the previous digest, or 24 h back when there was none. */
  since: Date;
  sinceKind: "previous_digest" | "last_24h";
  open: { total: number; byReason: ReasonCount[] };
  /** Oldest open actions, oldest first. */
  oldest: QueueItem[];
  breaches: { total: number; byReason: ReasonCount[]; oldest: QueueItem[] };
  resolved: {
    total: number;
    /** Slack user id, or `system` (Peeker or reconciliation). Most first. */
    byWhom: { by: string; count: number }[];
    medianMs: number | undefined;
    p90Ms: number | undefined;
  };
}

export interface DigestOptions {
  now: Date;
  sla: PendingReasonSla;
  /** When the previous digest ran; undefined = none yet. */
  previousDigestAt: Date | undefined;
  /** How many of the oldest actions to list (default 10). */
  oldestShown?: number;
  /** How many breached actions to list (default 5). */
  breachesShown?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function computeDigest(db: Kysely<Database>, options: DigestOptions): Promise<DigestData> {
  const { now, sla } = options;
  const since = options.previousDigestAt ?? new Date(now.getTime() - DAY_MS);
  const [byReason, oldest, breachCounts, breached, resolved, byWhom] = await Promise.all([
    openCountsByReason(db),
    oldestOpen(db, { limit: options.oldestShown ?? 10 }),
    breachCountsByReason(db, now, sla),
    oldestOpen(db, { limit: options.breachesShown ?? 5, breachedAt: { now, sla } }),
    resolvedStats(db, since, now),
    resolvedCountsByWhom(db, since, now),
  ]);
  return {
    now,
    since,
    sinceKind: options.previousDigestAt ? "previous_digest" : "last_24h",
    open: { total: sum(byReason), byReason },
    oldest,
    breaches: { total: sum(breachCounts), byReason: breachCounts, oldest: breached },
    resolved: { ...resolved, byWhom },
  };
}

async function resolvedStats(
  db: Kysely<Database>,
  since: Date,
  now: Date,
): Promise<{ total: number; medianMs: number | undefined; p90Ms: number | undefined }> {
  const times = await resolvedTimes(db, since, now);
  const ms = (seconds: number | null) => (seconds === null ? undefined : Math.max(0, seconds * 1000));
  return { total: times.total, medianMs: ms(times.medianSeconds), p90Ms: ms(times.p90Seconds) };
}

function sum(counts: ReasonCount[]): number {
  return counts.reduce((total, c) => total + c.count, 0);
}
