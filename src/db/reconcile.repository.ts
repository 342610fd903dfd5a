import { type Kysely, sql, type Transaction } from "kysely";
import type { Database, PendingActionRow } from "./schema.js";

/**
 * Queries of reconciliation (design §5): the staging of one walk of `GET /orders/pending` (`reconcile_rows`),
 * and the tracked actions the walk did not confirm, oldest-checked first.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface StagedRow {
  groupKey: string;
  rowId: string;
  seq: number;
  data: Record<string, unknown>;
}

export interface StagedGroup {
  groupKey: string;
  /** The group's rows in walk order (Peeker's newest-first). */
  rows: Record<string, unknown>[];
}

export async function databaseNow(db: Db): Promise<Date> {
  const result = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return result.rows[0]?.now ?? new Date(0);
}

export async function stageRows(db: Db, slot: string, rows: StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("reconcile_rows")
    .values(
      rows.map((row) => ({
        slot,
        group_key: row.groupKey,
        row_id: row.rowId,
        seq: row.seq,
        data: JSON.stringify(row.data),
      })),
    )
    .onConflict((oc) => oc.columns(["slot", "group_key", "row_id"]).doNothing())
    .execute();
}

export async function countStaged(db: Db, slot: string): Promise<number> {
  const row = await db
    .selectFrom("reconcile_rows")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("slot", "=", slot)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The next `limit` groups after `afterKey` (keyset walk over group keys), each with all of its rows. */
export async function nextStagedGroups(
  db: Db,
  slot: string,
  afterKey: string,
  limit: number,
): Promise<StagedGroup[]> {
  const result = await sql<{ group_key: string; data: Record<string, unknown> }>`
    SELECT r.group_key, r.data
      FROM reconcile_rows r
      JOIN (SELECT DISTINCT group_key FROM reconcile_rows
             WHERE slot = ${slot} AND group_key > ${afterKey}
             ORDER BY group_key LIMIT ${limit}) g ON g.group_key = r.group_key
     WHERE r.slot = ${slot}
     ORDER BY r.group_key, r.seq`.execute(db);
  const groups: StagedGroup[] = [];
  for (const row of result.rows) {
    const last = groups.at(-1);
    if (last?.groupKey === row.group_key) last.rows.push(row.data);
    else groups.push({ groupKey: row.group_key, rows: [row.data] });
  }
  return groups;
}

export async function clearStaged(db: Db, slot: string): Promise<void> {
  await db.deleteFrom("reconcile_rows").where("slot", "=", slot).execute();
}

/** Rows a run that died left behind (a live run is far shorter than this). */
export async function sweepStaged(db: Db, olderThanSeconds: number): Promise<void> {
  await db
    .deleteFrom("reconcile_rows")
    .where("staged_at", "<", sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .execute();
}

/** Unresolved actions of these card keys, or of these orders' `GET /orders/pending` rows. */
export async function trackedForGroups(
  db: Db,
  cardKeys: string[],
  orderIds: string[],
): Promise<PendingActionRow[]> {
  if (cardKeys.length === 0 && orderIds.length === 0) return [];
  return db
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(cardKeys.length > 0 ? [eb("card_key", "in", cardKeys)] : []),
        ...(orderIds.length > 0
          ? [
              eb.and([
                eb("order_id", "in", orderIds),
                eb("resource_kind", "=", "order"),
                eb("state", "!=", "resolved"),
              ]),
            ]
          : []),
      ]),
    )
    .execute();
}

export interface UnconfirmedAction {
  id: string;
  card_key: string;
  resource_kind: string;
  resource_id: string;
  order_id: string | null;
  domain_id: string | null;
  import_id: string | null;
  swap_id: string | null;
  last_checked_at: Date;
}

export interface UnconfirmedQuery {
  kinds: string[];
  /** Only actions no re-read confirmed since this instant (the run's start, app clock)… */
  seenBefore: Date;
  /** …and that nothing changed since this one (the run's start, database clock). */
  updatedBefore: Date;
  after: { checkedAt: Date; id: string } | undefined;
  limit: number;
}

/** Unresolved actions of these kinds that this run has not confirmed, oldest-checked first (keyset walk). */
export async function unconfirmedActions(db: Db, query: UnconfirmedQuery): Promise<UnconfirmedAction[]> {
  const after = query.after;
  return db
    .selectFrom("pending_actions")
    .select([
      "id",
      "card_key",
      "resource_kind",
      "resource_id",
      "order_id",
      "domain_id",
      "import_id",
      "swap_id",
      "last_checked_at",
    ])
    .where("state", "!=", "resolved")
    .where("resource_kind", "in", query.kinds)
    .where("last_seen_at", "<", query.seenBefore)
    .where("updated_at", "<", query.updatedBefore)
    .$if(after !== undefined, (qb) =>
      qb.where(
        sql<boolean>`(last_checked_at, id) > (${after?.checkedAt ?? null}::timestamptz, ${after?.id ?? "0"}::bigint)`,
      ),
    )
    .orderBy("last_checked_at")
    .orderBy("id")
    .limit(query.limit)
    .execute();
}

/** Records that these actions were looked at, so one Peeker cannot answer does not stay first in line. */
export async function markChecked(db: Db, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("pending_actions")
    .set({ last_checked_at: now })
    .where("id", "in", ids)
    .where("last_checked_at", "<", now)
    .execute();
}

/** Unresolved actions of this swap, or of these card keys (what a swap of the walk may change). */
export function trackedForSwap(db: Db, swapId: string, cardKeys: string[]): Promise<PendingActionRow[]> {
  return db
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) =>
      eb.or([eb("swap_id", "=", swapId), ...(cardKeys.length > 0 ? [eb("card_key", "in", cardKeys)] : [])]),
    )
    .where("state", "!=", "resolved")
    .execute();
}
