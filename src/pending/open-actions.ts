import type { Kysely } from "kysely";
import { knownDomainIdOf } from "../db/known-ids.repository.js";
import {
  countBreachedByReason,
  countOpenByReason,
  countOpenClaimedBy,
  listOpenActions,
  listOpenActionsOf,
  type OpenActionWithCard,
  type ReasonCountRow,
  type ResourceColumn,
} from "../db/open-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PendingReasonSla } from "./reason-sla.js";

/**
 * The queue as people look at it (`/peeker pending`, the App Home, the digest): the tracked actions that are not
 * resolved yet, as lists show them. The backlog guard never hides anything here: held cards count too. The
 * queries are src/db/open-actions.repository.ts; this is what the lists are given.
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
  return (await countOpenByReason(db)).map(reasonCountOf);
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
  return (await listOpenActions(db, filter)).map(queueItemOf);
}

/** How many open actions are past their SLA at `now`, per reason. */
export async function breachCountsByReason(db: Db, now: Date, sla: PendingReasonSla): Promise<ReasonCount[]> {
  return (await countBreachedByReason(db, now, sla)).map(reasonCountOf);
}

/** Open actions tied to one resource (the `/peeker order|import|swap|domain` answers show them with buttons). */
export function openActionsWhere(db: Db, column: ResourceColumn, value: string): Promise<PendingActionRow[]> {
  return listOpenActionsOf(db, column, value);
}

/** A domain's id as the tracked actions know it, so `/peeker domain <name>` can read it without a walk. */
export function knownDomainId(db: Db, name: string): Promise<string | undefined> {
  return knownDomainIdOf(db, name);
}

/** How many open actions one person has claimed. */
export function countClaimedBy(db: Db, userId: string): Promise<number> {
  return countOpenClaimedBy(db, userId);
}

function reasonCountOf(row: ReasonCountRow): ReasonCount {
  return { reason: row.reason, count: row.count, oldestOpenedAt: row.oldest };
}

function queueItemOf(r: OpenActionWithCard): QueueItem {
  return {
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
  };
}
