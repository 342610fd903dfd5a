import { sql, type Transaction } from "kysely";
import type { Database, NewPendingAction, PendingActionRow, PendingActionUpdate } from "./schema.js";

/**
 * Queries of applying a re-read to `pending_actions` (src/pending/apply-snapshot.ts), all inside the caller's
 * apply transaction: lock what a re-read is about, insert a new card's action, write a change, confirm unchanged.
 */

type Trx = Transaction<Database>;

/**
 * The unresolved actions of one resource a re-read covers: rows of `column = id`, only of these resource kinds
 * when `kinds` is given.
 */
export interface ActionScope {
  column: "order_id" | "import_id" | "domain_id" | "swap_id" | "card_key";
  id: string;
  kinds?: readonly string[];
}

/**
 * Locks (FOR UPDATE, in id order) the actions of these card keys, resolved or not, and the unresolved actions in
 * any of these scopes. Nothing to lock without keys or scopes.
 */
export async function lockActionsOfRead(
  trx: Trx,
  cardKeys: string[],
  scopes: readonly ActionScope[],
): Promise<PendingActionRow[]> {
  if (cardKeys.length === 0 && scopes.length === 0) return [];
  return trx
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(cardKeys.length > 0 ? [eb("card_key", "in", cardKeys)] : []),
        ...scopes.map((scope) =>
          eb.and([
            eb(scope.column, "=", scope.id),
            eb("state", "!=", "resolved"),
            ...(scope.kinds ? [eb("resource_kind", "in", scope.kinds)] : []),
          ]),
        ),
      ]),
    )
    .orderBy("id")
    .forUpdate()
    .execute();
}

/** Inserts a new card's action; undefined when its card key is already taken (another apply was first). */
export function insertActionIfNew(trx: Trx, action: NewPendingAction): Promise<PendingActionRow | undefined> {
  return trx
    .insertInto("pending_actions")
    .values(action)
    .onConflict((oc) => oc.column("card_key").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Writes a change to one action, bumping its version. */
export function updateActionFromRead(
  trx: Trx,
  id: string,
  patch: PendingActionUpdate,
): Promise<PendingActionRow> {
  return trx
    .updateTable("pending_actions")
    .set({ ...patch, version: sql`version + 1`, updated_at: sql`now()` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records that a re-read confirmed these actions as they are (no version bump: nothing changed). */
export async function touchActions(trx: Trx, ids: string[], now: Date): Promise<void> {
  await trx
    .updateTable("pending_actions")
    .set({ last_seen_at: now, last_checked_at: now })
    .where("id", "in", ids)
    .execute();
}
