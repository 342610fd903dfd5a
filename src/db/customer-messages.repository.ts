import type { Selectable } from "kysely";
import { type Kysely, sql, type Transaction } from "kysely";
import type { CustomerMessagesTable, Database } from "./schema.js";

/** The customer outbox (migrations/0006_intents_and_customer_outbox.sql). */

type Db = Kysely<Database> | Transaction<Database>;
export type CustomerMessageRow = Selectable<CustomerMessagesTable>;

/** Queued in the caller's transaction, with the state change that asked for it. */
export async function queueCustomerMessage(
  trx: Transaction<Database>,
  input: { pendingActionId: string; channel: string; text: string; requestedBy: string },
): Promise<void> {
  await trx
    .insertInto("customer_messages")
    .values({
      pending_action_id: input.pendingActionId,
      channel: input.channel,
      text: input.text,
      requested_by: input.requestedBy,
    })
    .execute();
}

/**
 * Takes the next due message and marks it `sending` in one short statement (committed before the Slack call),
 * pushing its next attempt out so no other replica takes it meanwhile. Returns it as it was before (its state
 * says whether an earlier attempt's outcome is unknown).
 */
export async function takeDueCustomerMessage(
  db: Kysely<Database>,
  leaseSeconds: number,
): Promise<CustomerMessageRow | undefined> {
  const result = await sql<CustomerMessageRow>`
    WITH due AS (
      SELECT * FROM customer_messages
      WHERE state IN ('to_send', 'sending') AND next_attempt_at <= now()
      ORDER BY id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE customer_messages m
    SET state = 'sending',
        attempt_at = coalesce(m.attempt_at, now()),
        attempts = m.attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    FROM due
    WHERE m.id = due.id
    RETURNING due.*`.execute(db);
  return result.rows[0];
}

export async function markCustomerMessageSent(db: Db, id: string, ts: string | null): Promise<void> {
  await db
    .updateTable("customer_messages")
    .set({ state: "sent", ts, sent_at: sql`now()`, last_error: null })
    .where("id", "=", id)
    .execute();
}

/** Try again after `delayMs`; `known` = Slack said it did not post it, so no lookup is needed first. */
export async function markCustomerMessageRetry(
  db: Db,
  id: string,
  input: { delayMs: number; error: string; known: boolean },
): Promise<void> {
  await db
    .updateTable("customer_messages")
    .set({
      ...(input.known ? { state: "to_send" as const } : {}),
      last_error: input.error,
      next_attempt_at: sql`now() + make_interval(secs => ${input.delayMs / 1000})`,
    })
    .where("id", "=", id)
    .execute();
}

/** Slack refused it for good (or too often): never tried again. */
export async function markCustomerMessageFailed(db: Db, id: string, error: string): Promise<void> {
  await db
    .updateTable("customer_messages")
    .set({ state: "failed", last_error: error })
    .where("id", "=", id)
    .where("state", "<>", "sent")
    .execute();
}

/** The newest message id queued for the card so far ("0" if none): a submit's own row is the one after it. */
export async function latestCustomerMessageId(db: Db, pendingActionId: string): Promise<string> {
  const row = await db
    .selectFrom("customer_messages")
    .select(sql<string>`coalesce(max(id), 0)::text`.as("id"))
    .where("pending_action_id", "=", pendingActionId)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Whether `requestedBy` queued a message for the card after `afterId` (a commit whose answer was lost). */
export async function customerMessageQueuedAfter(
  db: Db,
  input: { pendingActionId: string; requestedBy: string; afterId: string },
): Promise<boolean> {
  const row = await db
    .selectFrom("customer_messages")
    .select("id")
    .where("pending_action_id", "=", input.pendingActionId)
    .where("requested_by", "=", input.requestedBy)
    .where("id", ">", input.afterId)
    .executeTakeFirst();
  return row !== undefined;
}
