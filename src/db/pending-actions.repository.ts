import { type Kysely, sql, type Transaction } from "kysely";
import { BACK_TO_OPEN } from "./intents.repository.js";
import type { Database, PendingActionRow } from "./schema.js";

/**
 * Queries of `pending_actions` used by the resolution flows. Every state change bumps `version`; the
 * conditional updates below are what make a claim or a lock race-safe across replicas (the row is the lock).
 */

type Db = Kysely<Database> | Transaction<Database>;

export function findPendingAction(db: Db, id: string): Promise<PendingActionRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return Promise.resolve(undefined);
  return db.selectFrom("pending_actions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Locks the row for the rest of the transaction; `skipLocked` returns undefined if another holds it. */
export function lockPendingAction(
  trx: Transaction<Database>,
  id: string,
  options: { skipLocked?: boolean } = {},
): Promise<PendingActionRow | undefined> {
  const query = trx.selectFrom("pending_actions").selectAll().where("id", "=", id).forUpdate();
  return (options.skipLocked ? query.skipLocked() : query).executeTakeFirst();
}

/** Claims an unclaimed, unresolved action. Undefined when someone else was first (or it is resolved). */
export function claimPendingAction(
  db: Db,
  input: { id: string; userId: string; now: Date },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({
      claimed_by: input.userId,
      claimed_at: input.now,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where("id", "=", input.id)
    .where("claimed_by", "is", null)
    .where("state", "<>", "resolved")
    .returningAll()
    .executeTakeFirst();
}

/** Clears the claim if it is still `expectedClaimer`'s (so two unclaims, or an unclaim and a claim, never mix). */
export function unclaimPendingAction(
  db: Db,
  input: { id: string; expectedClaimer: string },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({ claimed_by: null, claimed_at: null, version: sql`version + 1`, updated_at: sql`now()` })
    .where("id", "=", input.id)
    .where("claimed_by", "=", input.expectedClaimer)
    .returningAll()
    .executeTakeFirst();
}

/**
 * `open` → `resolving`, optimistic: only if nobody changed the row since it was read (`version`) and it is not
 * claimed by someone else. A pressing user who has not claimed it yet claims it too (design §1).
 */
export function lockForResolution(
  db: Db,
  input: { id: string; version: number; userId: string; now: Date; note: string },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({
      state: "resolving",
      resolving_by: input.userId,
      resolving_since: input.now,
      resolving_note: input.note,
      claimed_by: sql`coalesce(claimed_by, ${input.userId})`,
      claimed_at: sql`coalesce(claimed_at, ${input.now})`,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where("id", "=", input.id)
    .where("state", "=", "open")
    .where("version", "=", input.version)
    .where((eb) => eb.or([eb("claimed_by", "is", null), eb("claimed_by", "=", input.userId)]))
    .returningAll()
    .executeTakeFirst();
}

/** `resolving` → `open` when Peeker refused, only if the lock is still this user's. */
export function releaseResolution(
  db: Db,
  input: { id: string; userId: string },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({
      ...BACK_TO_OPEN,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where("id", "=", input.id)
    .where("state", "=", "resolving")
    .where("resolving_by", "=", input.userId)
    .returningAll()
    .executeTakeFirst();
}

export function updatePendingAction(
  db: Db,
  id: string,
  patch: {
    state?: "open" | "resolving" | "resolved";
    details?: Record<string, unknown>;
    swap_id?: string | null;
    resolving_by?: string | null;
    resolving_since?: Date | null;
    resolving_note?: string | null;
    resolved_at?: Date | null;
    resolved_by?: string | null;
    resolution?: string | null;
    message?: string | null;
    /** Recording a write's outcome clears its intent (src/pending/intents.ts) in the same update. */
    intent_kind?: null;
    intent_payload?: null;
    intent_at?: null;
    intent_owner?: null;
  },
): Promise<PendingActionRow> {
  const { details, ...rest } = patch;
  return db
    .updateTable("pending_actions")
    .set({
      ...rest,
      ...(details ? { details: JSON.stringify(details) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Rows waiting for a queued reorder, optionally only those of one original order. */
export function findQueuedReorders(db: Db, originalOrderId?: string): Promise<PendingActionRow[]> {
  let query = db
    .selectFrom("pending_actions")
    .selectAll()
    .where("state", "=", "resolving")
    .where(sql<boolean>`details ? 'queuedReorder'`);
  if (originalOrderId) {
    query = query.where(sql<boolean>`details->'queuedReorder'->>'originalOrderId' = ${originalOrderId}`);
  }
  return query.orderBy("id").execute();
}

/** Rows following a corrected order they placed. */
export function findFollowersOfOrder(db: Db, newOrderId: string): Promise<PendingActionRow[]> {
  return db
    .selectFrom("pending_actions")
    .selectAll()
    .where("state", "=", "resolving")
    .where(sql<boolean>`details->>'newOrderId' = ${newOrderId}`)
    .where(sql<boolean>`NOT (details ? 'queuedReorder')`)
    .orderBy("id")
    .execute();
}

/** Corrected orders some card still waits on (reconciliation re-reads them, in case a webhook was lost). */
export async function correctedOrdersAwaited(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom("pending_actions")
    .select(sql<string>`details->>'newOrderId'`.as("order_id"))
    .distinct()
    .where("state", "=", "resolving")
    .where(sql<boolean>`details ? 'newOrderId'`)
    .where(sql<boolean>`NOT (details ? 'queuedReorder')`)
    .execute();
  return rows.map((r) => r.order_id);
}

/** The card's Slack message, once posted (for threading a message under it). */
export async function postedCardOf(
  db: Db,
  pendingActionId: string,
): Promise<{ channel: string; ts: string | null } | undefined> {
  return db
    .selectFrom("slack_cards")
    .select(["channel", "ts"])
    .where("pending_action_id", "=", pendingActionId)
    .executeTakeFirst();
}

/** Pending actions that mention an id anywhere we keep ids (for `/peeker history`). */
export function pendingActionsMentioning(db: Db, id: string): Promise<Array<{ id: string }>> {
  return db
    .selectFrom("pending_actions")
    .select("id")
    .where((eb) =>
      eb.or([
        eb("card_key", "=", id),
        eb("resource_id", "=", id),
        eb("order_id", "=", id),
        eb("domain_id", "=", id),
        eb("domain", "=", id.toLowerCase()),
        eb("import_id", "=", id),
        eb("swap_id", "=", id),
        eb("user_id", "=", id),
        eb(sql<string>`lower(customer_email)`, "=", id.toLowerCase()),
        eb(sql<string>`details->>'newOrderId'`, "=", id),
        eb(sql<string>`id::text`, "=", id),
        eb(sql<boolean>`${id} = ANY(peeker_action_ids)`, "=", true),
      ]),
    )
    .limit(50)
    .execute();
}
