import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.js";
import {
  breachCountsByReason,
  oldestOpen,
  openCountsByReason,
  type QueueItem,
  type ReasonCount,
} from "./queue.js";
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
    resolvedByWhom(db, since, now),
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
  const result = await sql<{ total: string; median: number | null; p90: number | null }>`
    SELECT count(*) AS total,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - opened_at)) AS p90
      FROM pending_actions
     WHERE state = 'resolved' AND resolved_at > ${since} AND resolved_at <= ${now}`.execute(db);
  const row = result.rows[0];
  const ms = (seconds: number | null | undefined) =>
    seconds === null || seconds === undefined ? undefined : Math.max(0, Number(seconds) * 1000);
  return { total: Number(row?.total ?? 0), medianMs: ms(row?.median), p90Ms: ms(row?.p90) };
}

async function resolvedByWhom(db: Kysely<Database>, since: Date, now: Date) {
  const rows = await db
    .selectFrom("pending_actions")
    .select([sql<string>`coalesce(resolved_by, 'system')`.as("by"), sql<string>`count(*)`.as("count")])
    .where("state", "=", "resolved")
    .where("resolved_at", ">", since)
    .where("resolved_at", "<=", now)
    .groupBy(sql`coalesce(resolved_by, 'system')`)
    .orderBy(sql`count(*)`, "desc")
    .orderBy(sql`coalesce(resolved_by, 'system')`)
    .limit(25)
    .execute();
  return rows.map((r) => ({ by: r.by, count: Number(r.count) }));
}

function sum(counts: ReasonCount[]): number {
  return counts.reduce((total, c) => total + c.count, 0);
}
