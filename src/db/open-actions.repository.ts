import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import type { Database, PendingActionRow } from "./schema.js";

/**
 * Read-only queries over the tracked actions that are not resolved yet (`open` and `resolving`), as lists show
 * them: counts per reason, the oldest ones with their card, SLA breaches, the actions of one resource.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Minutes of SLA per reason, with `default` for every reason not listed. */
export type SlaMinutes = Readonly<Record<string, number>> & { readonly default: number };

export interface ReasonCountRow {
  reason: string;
  count: number;
  oldest: Date;
}

/** Open (and resolving) actions per reason, the reason with the oldest waiting action first. */
export async function countOpenByReason(db: Db): Promise<ReasonCountRow[]> {
  const rows = await db
    .selectFrom("pending_actions")
    .select(["reason", sql<string>`count(*)`.as("count"), sql<Date>`min(opened_at)`.as("oldest")])
    .where("state", "!=", "resolved")
    .groupBy("reason")
    .orderBy(sql`min(opened_at)`)
    .execute();
  return rows.map((r) => ({ reason: r.reason, count: Number(r.count), oldest: r.oldest }));
}

/** How many open actions are past their SLA at `now`, per reason. */
export async function countBreachedByReason(db: Db, now: Date, sla: SlaMinutes): Promise<ReasonCountRow[]> {
  const rows = await db
    .selectFrom("pending_actions")
    .select(["reason", sql<string>`count(*)`.as("count"), sql<Date>`min(opened_at)`.as("oldest")])
    .where("state", "!=", "resolved")
    .where(sql<boolean>`opened_at + make_interval(mins => ${slaMinutesOf(sla, sql.ref("reason"))}) < ${now}`)
    .groupBy("reason")
    .orderBy(sql`min(opened_at)`)
    .execute();
  return rows.map((r) => ({ reason: r.reason, count: Number(r.count), oldest: r.oldest }));
}

export interface OpenActionsQuery {
  reason?: string;
  claimedBy?: string;
  /** Only actions past their SLA at `now`. */
  breachedAt?: { now: Date; sla: SlaMinutes };
  limit: number;
}

/** An open action with its card's place in Slack (null until the card is posted). */
export type OpenActionWithCard = Pick<
  PendingActionRow,
  | "id"
  | "reason"
  | "card_key"
  | "state"
  | "order_id"
  | "import_id"
  | "swap_id"
  | "domain"
  | "domain_id"
  | "customer_email"
  | "user_id"
  | "claimed_by"
  | "opened_at"
> & { channel: string | null; ts: string | null };

/** Open actions, oldest first, with their card. */
export async function listOpenActions(db: Db, query: OpenActionsQuery): Promise<OpenActionWithCard[]> {
  let select = db
    .selectFrom("pending_actions as p")
    .leftJoin("slack_cards as c", "c.pending_action_id", "p.id")
    .select([
      "p.id",
      "p.reason",
      "p.card_key",
      "p.state",
      "p.order_id",
      "p.import_id",
      "p.swap_id",
      "p.domain",
      "p.domain_id",
      "p.customer_email",
      "p.user_id",
      "p.claimed_by",
      "p.opened_at",
      "c.channel",
      "c.ts",
    ])
    .where("p.state", "!=", "resolved");
  if (query.reason !== undefined) select = select.where("p.reason", "=", query.reason);
  if (query.claimedBy !== undefined) select = select.where("p.claimed_by", "=", query.claimedBy);
  if (query.breachedAt) {
    const { now, sla } = query.breachedAt;
    select = select.where(
      sql<boolean>`p.opened_at + make_interval(mins => ${slaMinutesOf(sla, sql.ref("p.reason"))}) < ${now}`,
    );
  }
  return select.orderBy("p.opened_at").orderBy("p.id").limit(query.limit).execute();
}

export type ResourceColumn = "order_id" | "import_id" | "swap_id" | "domain_id" | "domain";

/** Up to 20 open actions tied to one resource, oldest first. */
export function listOpenActionsOf(
  db: Db,
  column: ResourceColumn,
  value: string,
): Promise<PendingActionRow[]> {
  return db
    .selectFrom("pending_actions")
    .selectAll()
    .where(column, "=", value)
    .where("state", "!=", "resolved")
    .orderBy("opened_at")
    .limit(20)
    .execute();
}

/** How many open actions one person has claimed. */
export async function countOpenClaimedBy(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom("pending_actions")
    .select(sql<string>`count(*)`.as("count"))
    .where("state", "!=", "resolved")
    .where("claimed_by", "=", userId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * The SLA of a reason in minutes, as SQL over `reasonColumn`: `CASE reason WHEN … THEN … ELSE default END`.
 * Casts are explicit because the parameters otherwise arrive untyped.
 */
export function slaMinutesOf(
  sla: SlaMinutes,
  reasonColumn: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
): RawBuilder<number> {
  const entries = Object.entries(sla).filter(([reason]) => reason !== "default");
  if (entries.length === 0) return sql<number>`${sla.default}::int`;
  const whens = entries.map(([reason, minutes]) => sql`WHEN ${reason}::text THEN ${minutes}::int`);
  return sql<number>`(CASE ${reasonColumn} ${sql.join(whens, sql` `)} ELSE ${sla.default}::int END)`;
}
