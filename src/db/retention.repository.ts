import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/**
 * Retention (RETENTION_DAYS): each function deletes at most `limit` rows older than `cutoff` in one short
 * statement, and returns how many it removed; the caller loops in small batches so no statement holds locks for
 * long. What is still needed is never touched: an action not yet resolved keeps its audit rows, its card and its
 * thread lines; a card or thread line not yet in Slack stays until it is.
 */

type Db = Kysely<Database>;

/** Audit rows older than the cutoff, except those of an action that is still open or resolving. */
export async function pruneAuditLog(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM audit_log WHERE id IN (
      SELECT a.id FROM audit_log a
       WHERE a.at < ${cutoff}
         AND NOT EXISTS (SELECT 1 FROM pending_actions p
                          WHERE p.id = a.pending_action_id AND p.state <> 'resolved')
       LIMIT ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Thread lines already sent to Slack before the cutoff (the message stays in Slack; the row is spent). */
export async function pruneSentThreadLines(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM thread_lines WHERE id IN (
      SELECT id FROM thread_lines
       WHERE state = 'sent' AND coalesce(sent_at, created_at) < ${cutoff}
       LIMIT ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Actions resolved before the cutoff, with their posted card (the outbox row) and their thread lines. An action
 * whose card or a thread line is still waiting for Slack is kept until they are sent.
 */
export async function pruneResolvedActions(
  db: Db,
  cutoff: Date,
  limit: number,
): Promise<{ actions: number; cards: number; threadLines: number; customerMessages: number }> {
  return db.transaction().execute(async (trx) => {
    const picked = await sql<{ id: string }>`
      SELECT p.id FROM pending_actions p
       WHERE p.state = 'resolved' AND p.resolved_at < ${cutoff}
         AND NOT EXISTS (SELECT 1 FROM slack_cards c
                          WHERE c.pending_action_id = p.id AND c.posted_hash IS DISTINCT FROM c.desired_hash)
         AND NOT EXISTS (SELECT 1 FROM thread_lines t WHERE t.pending_action_id = p.id AND t.state <> 'sent')
         AND NOT EXISTS (SELECT 1 FROM customer_messages m
                          WHERE m.pending_action_id = p.id AND m.state NOT IN ('sent', 'failed'))
       ORDER BY p.resolved_at
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED`.execute(trx);
    const ids = picked.rows.map((r) => r.id);
    if (ids.length === 0) return { actions: 0, cards: 0, threadLines: 0, customerMessages: 0 };
    // Customer messages done with (sent, or failed for good) reference the action (foreign key): they go with it.
    const customerMessages = await trx
      .deleteFrom("customer_messages")
      .where("pending_action_id", "in", ids)
      .executeTakeFirst();
    const threadLines = await trx
      .deleteFrom("thread_lines")
      .where("pending_action_id", "in", ids)
      .executeTakeFirst();
    const cards = await trx
      .deleteFrom("slack_cards")
      .where("pending_action_id", "in", ids)
      .executeTakeFirst();
    // The rows are locked (FOR UPDATE above), so no re-read can reopen one between the pick and the delete.
    const actions = await trx.deleteFrom("pending_actions").where("id", "in", ids).executeTakeFirst();
    return {
      actions: Number(actions.numDeletedRows),
      cards: Number(cards.numDeletedRows),
      threadLines: Number(threadLines.numDeletedRows),
      customerMessages: Number(customerMessages.numDeletedRows),
    };
  });
}

/**
 * Re-read bookkeeping (`resource_reads`, one row per resource ever re-read) not used since the cutoff and not
 * leased. Safe to forget: it only orders re-reads that overlap in time, and none spans the retention window.
 */
export async function pruneResourceReads(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM resource_reads WHERE resource_key IN (
      SELECT resource_key FROM resource_reads
       WHERE (leased_until IS NULL OR leased_until < now())
         AND coalesce(applied_at, read_started_at) < ${cutoff}
       LIMIT ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
