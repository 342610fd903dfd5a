import { type Kysely, sql } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { slaMinutesOf } from "./queue.js";
import type { PendingReasonSla } from "./reason-sla.js";

/**
 * SLA nudges (design §3 "Nudges"): one quiet thread reply per breached action per SLA period. An action opened
 * at `o` with SLA `s` is breached from `o + s`; its periods start at `o + k·s` (k ≥ 1) and each is nudged once.
 * The period nudged is stored in `pending_actions.sla_nudged_for` by a conditional UPDATE in the same
 * transaction as the queued thread line, so two replicas (or a retried run) never nudge a period twice.
 *
 * Only `open` actions are nudged: a `resolving` one waits on Peeker's answer, not on the team.
 */

export interface NudgeOptions {
  db: Kysely<Database>;
  publisher: CardPublisher;
  sla: PendingReasonSla;
  /** Every id of SLACK_OPERATORS; the user groups (S…) among them are mentioned on unclaimed actions. */
  operators: readonly string[];
  now: Date;
  /** Most nudges queued per run; the rest wait for the next run (default 200). */
  limit?: number;
}

export interface NudgeResult {
  nudged: number;
  /** More were due than the limit allowed; they wait for the next run. */
  more: boolean;
}

interface Candidate {
  id: string;
  opened_at: Date;
  claimed_by: string | null;
  sla_min: number;
  period_start: Date;
}

export async function runNudges(options: NudgeOptions): Promise<NudgeResult> {
  const { db, now } = options;
  const limit = options.limit ?? 200;
  const slaMin = slaMinutesOf(options.sla, sql.ref("p.reason"));
  // Held cards (backlog guard) are skipped: their thread does not exist yet and would get a pile of late lines.
  const candidates = await sql<Candidate>`
    WITH c AS (
      SELECT p.id, p.opened_at, p.claimed_by, p.sla_nudged_for, ${slaMin} AS sla_min
        FROM pending_actions p JOIN slack_cards s ON s.pending_action_id = p.id
       WHERE p.state = 'open' AND NOT s.held
    ), due AS (
      SELECT id, opened_at, claimed_by, sla_nudged_for, sla_min,
             opened_at + make_interval(mins =>
               (floor(extract(epoch FROM ${now}::timestamptz - opened_at) / 60 / sla_min) * sla_min)::int
             ) AS period_start
        FROM c
       WHERE ${now}::timestamptz - opened_at >= make_interval(mins => sla_min)
    )
    SELECT id, opened_at, claimed_by, sla_min, period_start FROM due
     WHERE sla_nudged_for IS NULL OR sla_nudged_for < period_start
     ORDER BY opened_at, id
     LIMIT ${limit + 1}`.execute(db);
  const batch = candidates.rows.slice(0, limit);
  const groups = options.operators.filter((id) => id.startsWith("S"));

  const nudged = await db.transaction().execute(async (trx) => {
    const audit: AuditEntry[] = [];
    for (const candidate of batch) {
      const row = await trx
        .updateTable("pending_actions")
        .set({ sla_nudged_for: candidate.period_start })
        .where("id", "=", candidate.id)
        .where("state", "=", "open")
        .where((eb) =>
          eb.or([eb("sla_nudged_for", "is", null), eb("sla_nudged_for", "<", candidate.period_start)]),
        )
        .returningAll()
        .executeTakeFirst();
      if (!row) continue;
      const slaMs = candidate.sla_min * 60_000;
      const waitedMs = now.getTime() - row.opened_at.getTime();
      // The claimer is the one to ping; unclaimed, the operators' user groups (never @channel or @here).
      const users = row.claimed_by ? [row.claimed_by] : [];
      const mentioned = row.claimed_by ? [] : groups;
      await options.publisher.threadLine(trx, row, {
        kind: "nudge",
        waitedMs,
        slaMs,
        users,
        groups: [...mentioned],
      });
      audit.push({
        actor: "system",
        action: "action.nudged",
        pendingActionId: row.id,
        resourceId: row.resource_id,
        details: {
          card_key: row.card_key,
          reason: row.reason,
          period_start: candidate.period_start.toISOString(),
          sla_minutes: candidate.sla_min,
          mentioned: [...users, ...mentioned],
        },
      });
    }
    await appendAudit(trx, audit);
    return audit.length;
  });
  return { nudged, more: candidates.rows.length > batch.length };
}
