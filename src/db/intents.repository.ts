import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, PendingActionRow } from "./schema.js";

/** Queries of the intent columns of `pending_actions` (migrations/0006_intents_and_customer_outbox.sql). */

type Db = Kysely<Database> | Transaction<Database>;

/** The columns that say "no write in flight"; spread into an update that records an outcome. */
export const NO_INTENT = {
  intent_kind: null,
  intent_payload: null,
  intent_at: null,
  intent_owner: null,
} as const;

/**
 * A resolving card handed back to the team: no lock, no note of what is under way, no write in flight. One patch
 * for every path that gives a card back (Peeker refused, the sweeper found nothing done, a queued reorder dropped,
 * the customer notified).
 */
export const BACK_TO_OPEN = {
  state: "open",
  resolving_by: null,
  resolving_since: null,
  resolving_note: null,
  ...NO_INTENT,
} as const;

/**
 * Records the write about to be sent, only while the card is still `resolving` by `userId` (a sweeper or a
 * re-read may have taken it back): undefined means the write must not be sent.
 */
export function recordIntentRow(
  db: Db,
  input: {
    id: string;
    userId: string;
    kind: string;
    payload: Record<string, unknown>;
    owner: string;
    now: Date;
  },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({
      intent_kind: input.kind,
      intent_payload: JSON.stringify(input.payload),
      intent_at: input.now,
      intent_owner: input.owner,
      updated_at: sql`now()`,
    })
    .where("id", "=", input.id)
    .where("state", "=", "resolving")
    .where("resolving_by", "=", input.userId)
    .returningAll()
    .executeTakeFirst();
}

/** Every row with a write in flight, or `resolving` since before `staleBefore` with nothing to follow. */
export function intentCandidates(db: Db, staleBefore: Date): Promise<PendingActionRow[]> {
  return db
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("intent_kind", "is not", null),
        eb.and([
          eb("state", "=", "resolving"),
          eb("resolving_since", "<", staleBefore),
          eb("swap_id", "is", null),
          sql<boolean>`NOT (details ? 'newOrderId')`,
          sql<boolean>`NOT (details ? 'queuedReorder')`,
        ]),
      ]),
    )
    .orderBy("id")
    .limit(100)
    .execute();
}

/**
 * Takes the placement of a queued reorder: records its intent only if the row is unchanged since `version` was
 * read and no other write is in flight. The version bump makes this the one winner across replicas.
 */
export function claimQueuedPlacement(
  db: Db,
  input: { id: string; version: number; owner: string; now: Date; payload: Record<string, unknown> },
): Promise<PendingActionRow | undefined> {
  return db
    .updateTable("pending_actions")
    .set({
      intent_kind: "queued_order_create",
      intent_payload: JSON.stringify(input.payload),
      intent_at: input.now,
      intent_owner: input.owner,
      version: sql`version + 1`,
      updated_at: sql`now()`,
    })
    .where("id", "=", input.id)
    .where("version", "=", input.version)
    .where("state", "=", "resolving")
    .where((eb) => eb.or([eb("intent_kind", "is", null), eb("intent_kind", "=", "lock")]))
    .returningAll()
    .executeTakeFirst();
}

/** Drops an intent that turned out to have no effect (nothing was written), if the row still has that one. */
export async function clearIntent(db: Db, row: Pick<PendingActionRow, "id" | "version">): Promise<void> {
  await db
    .updateTable("pending_actions")
    .set({ ...NO_INTENT, version: sql`version + 1`, updated_at: sql`now()` })
    .where("id", "=", row.id)
    .where("version", "=", row.version)
    .execute();
}
