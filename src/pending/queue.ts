import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PendingReasonSla } from "./reason-sla.js";

/**
 * The queue as people look at it (`/peeker pending`, the App Home, the digest): read-only queries over the
 * tracked actions that are not resolved yet. The backlog guard never hides anything here: held cards count too.
 */

/** One open action as lists show it, with where its card sits (when it has been posted). */
export interface QueueItem {
  id: string;
  reason: string;
  cardKey: string;
  state: PendingActionRow["state"];
  orderId: string | null;
  importId: string | null;
  swapId: string | null;
  domain: string | null;
  domainId: string | null;
  customerEmail: string | null;
  userId: string | null;
  claimedBy: string | null;
  openedAt: Date;
  /** The posted card, for a permalink. */
  card: { channel: string; ts: string } | undefined;
}

export interface ReasonCount {
  reason: string;
  count: number;
  oldestOpenedAt: Date;
}

type Db = Kysely<Database>;

/** Open (and resolving) actions per reason, the reason with the oldest waiting action first. */
export async function openCountsByReason(db: Db): Promise<ReasonCount[]> {
  const rows = await db
    .selectFrom("pending_actions")
    .select(["reason", sql<string>`count(*)`.as("count"), sql<Date>`min(opened_at)`.as("oldest")])
    .where("state", "!=", "resolved")
    .groupBy("reason")
    .orderBy(sql`min(opened_at)`)
    .execute();
  return rows.map((r) => ({ reason: r.reason, count: Number(r.count), oldestOpenedAt: r.oldest }));
}

export interface QueueFilter {
  reason?: string;
  claimedBy?: string;
  /** Only actions past their SLA at `now`. */
  breachedAt?: { now: Date; sla: PendingReasonSla };
  limit: number;
}

/** Open actions, oldest first. */
export async function oldestOpen(db: Db, filter: QueueFilter): Promise<QueueItem[]> {
  let query = db
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
  if (filter.reason !== undefined) query = query.where("p.reason", "=", filter.reason);
  if (filter.claimedBy !== undefined) query = query.where("p.claimed_by", "=", filter.claimedBy);
  if (filter.breachedAt) {
    const { now, sla } = filter.breachedAt;
    query = query.where(
      sql<boolean>`p.opened_at + make_interval(mins => ${slaMinutesOf(sla, sql.ref("p.reason"))}) < ${now}`,
    );
  }
  const rows = await query.orderBy("p.opened_at").orderBy("p.id").limit(filter.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    reason: r.reason,
    cardKey: r.card_key,
    state: r.state,
    orderId: r.order_id,
    importId: r.import_id,
    swapId: r.swap_id,
    domain: r.domain,
    domainId: r.domain_id,
    customerEmail: r.customer_email,
    userId: r.user_id,
    claimedBy: r.claimed_by,
    openedAt: r.opened_at,
    card: r.channel && r.ts ? { channel: r.channel, ts: r.ts } : undefined,
  }));
}

/** How many open actions are past their SLA at `now`, per reason. */
export async function breachCountsByReason(db: Db, now: Date, sla: PendingReasonSla): Promise<ReasonCount[]> {
  const rows = await db
    .selectFrom("pending_actions")
    .select(["reason", sql<string>`count(*)`.as("count"), sql<Date>`min(opened_at)`.as("oldest")])
    .where("state", "!=", "resolved")
    .where(sql<boolean>`opened_at + make_interval(mins => ${slaMinutesOf(sla, sql.ref("reason"))}) < ${now}`)
    .groupBy("reason")
    .orderBy(sql`min(opened_at)`)
    .execute();
  return rows.map((r) => ({ reason: r.reason, count: Number(r.count), oldestOpenedAt: r.oldest }));
}

export type LookupColumn = "order_id" | "import_id" | "swap_id" | "domain_id" | "domain";

/** Open actions tied to one resource (the `/peeker order|import|swap|domain` answers show them with buttons). */
export async function openActionsWhere(
  db: Db,
  column: LookupColumn,
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

/** A domain's id as the tracked actions know it, so `/peeker domain <name>` can read it without a walk. */
export async function knownDomainId(db: Db, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("pending_actions")
    .select("domain_id")
    .where("domain", "=", name)
    .where("domain_id", "is not", null)
    .orderBy("updated_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.domain_id ?? undefined;
}

/**
 * The SLA of a reason in minutes, as SQL over `reasonColumn`: `CASE reason WHEN … THEN … ELSE default END`.
 * Casts are explicit because the parameters otherwise arrive untyped.
 */
export function slaMinutesOf(
  sla: PendingReasonSla,
  reasonColumn: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
): RawBuilder<number> {
  const entries = Object.entries(sla).filter(([reason]) => reason !== "default");
  if (entries.length === 0) return sql<number>`${sla.default}::int`;
  const whens = entries.map(([reason, minutes]) => sql`WHEN ${reason}::text THEN ${minutes}::int`);
  return sql<number>`(CASE ${reasonColumn} ${sql.join(whens, sql` `)} ELSE ${sla.default}::int END)`;
}

/** SLA of one reason, ms. */
export function slaMsOf(sla: PendingReasonSla, reason: string): number {
  return (sla[reason] ?? sla.default) * 60_000;
}

/** How many open actions one person has claimed. */
export async function countClaimedBy(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom("pending_actions")
    .select(sql<string>`count(*)`.as("count"))
    .where("state", "!=", "resolved")
    .where("claimed_by", "=", userId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
