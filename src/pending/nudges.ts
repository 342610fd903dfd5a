import type { Kysely } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";
import { dueNudges, markNudged } from "../db/sla-nudges.repository.js";
import type { CardPublisher } from "./apply-snapshot.js";
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

export async function runNudges(options: NudgeOptions): Promise<NudgeResult> {
  const { db, now } = options;
  const limit = options.limit ?? 200;
  // Held cards (backlog guard) are skipped: their thread does not exist yet and would get a pile of late lines.
  // One more than the limit, to tell whether some wait for the next run.
  const candidates = await dueNudges(db, { now, sla: options.sla, limit: limit + 1 });
  const batch = candidates.slice(0, limit);
  const groups = options.operators.filter((id) => id.startsWith("S"));

  const nudged = await db.transaction().execute(async (trx) => {
    const audit: AuditEntry[] = [];
    for (const candidate of batch) {
      const row = await markNudged(trx, candidate.id, candidate.period_start);
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
  return { nudged, more: candidates.length > batch.length };
}
