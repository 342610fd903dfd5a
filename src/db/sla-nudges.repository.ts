import { type Kysely, sql, type Transaction } from "kysely";
import { type SlaMinutes, slaMinutesOf } from "./open-actions.repository.js";
import type { Database, PendingActionRow } from "./schema.js";

/**
 * Queries of the SLA nudges (design §3 "Nudges"): which open actions are in an SLA period not nudged yet, and
 * the conditional mark that lets exactly one run nudge each period (`pending_actions.sla_nudged_for`).
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface NudgeCandidate {
  id: string;
  opened_at: Date;
  claimed_by: string | null;
  sla_min: number;
  /** Start of the SLA period `now` falls in: `opened_at + k·sla` for the largest k. */
  period_start: Date;
}

/**
 * Open actions with a posted (not held) card, breached at `now`, whose current period is not nudged yet; oldest
 * first, at most `limit`.
 */
export async function dueNudges(
  db: Db,
  input: { now: Date; sla: SlaMinutes; limit: number },
): Promise<NudgeCandidate[]> {
  const { now, limit } = input;
  const slaMin = slaMinutesOf(input.sla, sql.ref("p.reason"));
  const result = await sql<NudgeCandidate>`
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
     LIMIT ${limit}`.execute(db);
  return result.rows;
}

/**
 * Marks the period starting at `periodStart` nudged, if the action is still open and that period is not marked
 * yet; undefined when another run was first (or the action moved on).
 */
export function markNudged(db: Db, id: string, periodStart: Date): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({ sla_nudged_for: periodStart })
    .where("id", "=", id)
    .where("state", "=", "open")
    .where((eb) => eb.or([eb("sla_nudged_for", "is", null), eb("sla_nudged_for", "<", periodStart)]))
    .returningAll()
    .executeTakeFirst();
}
