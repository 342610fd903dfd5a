import { sql, type Transaction } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { CardChange } from "./changes.js";
import type { IntentKind } from "./intents.js";
import { heldByReorder, mergeRereadDetails, peekerDetailsOf } from "./slack-details.js";
import type { ActionDetails, ObservedAction, Snapshot } from "./snapshot.js";

/**
 * Applies one re-read to the tracked actions, inside the caller's short transaction (which has admitted the
 * snapshot by its read number, src/pending/resource-lease.ts, so an older one never lands after a newer one).
 * Opens, updates and resolves by card key;
 * every card change goes to the publisher, which renders it into the outbox in the same transaction.
 */

export interface CardPublisher {
  /** Renders the action's card into the outbox (desired state); the sender posts or edits it. */
  publish(trx: Transaction<Database>, action: PendingActionRow): Promise<void>;
  /** Queues one quiet thread line under the card. */
  threadLine(trx: Transaction<Database>, action: PendingActionRow, change: CardChange): Promise<void>;
}

export interface ApplyContext {
  trx: Transaction<Database>;
  publisher: CardPublisher;
  now: Date;
  sandbox: boolean;
  /** `peeker` for a webhook-driven re-read, `reconcile` for the reconciliation walk. */
  source: "peeker" | "reconcile";
  /** Event id or run slot, for the audit trail. */
  cause: string;
}

export interface ApplyResult {
  opened: number;
  updated: number;
  resolved: number;
  reopened: number;
  unchanged: number;
}

export async function applySnapshot(ctx: ApplyContext, snapshot: Snapshot): Promise<ApplyResult> {
  const { trx } = ctx;
  const result: ApplyResult = { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 };
  const audit: AuditEntry[] = [];
  const requestId = snapshot.requestIds.at(-1) ?? null;

  const keys = snapshot.open.map((o) => o.cardKey);
  const existing = await lockRows(trx, snapshot, keys);
  const byKey = new Map(existing.map((row) => [row.card_key, row]));

  for (const observed of snapshot.open) {
    const row = byKey.get(observed.cardKey);
    if (!row) {
      const inserted = await insertAction(trx, observed, ctx);
      if (!inserted) continue;
      result.opened++;
      // No "opened" thread line: the card itself says so, and every line is one more message in the channel's pace.
      await ctx.publisher.publish(trx, inserted);
      audit.push(entry(inserted, "opened", ctx, requestId, { peeker_action_ids: observed.peekerActionIds }));
      continue;
    }
    // A resolving card goes back to open only when the swap it waits on is the one that failed or needs input: a
    // re-read of an older swap (or one made while our own submit is under way) must not undo the lock.
    const waitedOnFailed =
      row.state === "resolving" &&
      snapshot.reopenWhy !== undefined &&
      !!row.swap_id &&
      row.swap_id === observed.swapId &&
      isOurSwap(row, observed);
    if (row.state === "resolved" || waitedOnFailed) {
      const why = snapshot.reopenWhy ?? "Peeker reports it again";
      const reopened = await updateAction(trx, row, {
        ...fieldsOf(observed),
        state: "open",
        opened_at: row.state === "resolved" ? observed.openedAt : row.opened_at,
        resolved_at: null,
        resolved_by: null,
        resolution: null,
        resolving_by: null,
        resolving_since: null,
        resolving_note: null,
        last_seen_at: ctx.now,
        last_checked_at: ctx.now,
      });
      result.reopened++;
      await ctx.publisher.publish(trx, reopened);
      await ctx.publisher.threadLine(trx, reopened, { kind: "reopened", why });
      audit.push(entry(reopened, "reopened", ctx, requestId, { why }));
      continue;
    }
    if (followsAnotherSwap(row, observed) || !changed(row, observed)) {
      // A card following our newer swap keeps it: a re-read of the older swap that opened the card must not set
      // swap_id back, or the newer swap's re-reads (scoped to its id) would never find the card again.
      await touch(trx, [row.id], ctx.now);
      result.unchanged++;
    } else {
      const updated = await updateAction(trx, row, {
        ...fieldsOf(observed),
        last_seen_at: ctx.now,
        last_checked_at: ctx.now,
      });
      result.updated++;
      await ctx.publisher.publish(trx, updated);
      audit.push(entry(updated, "updated", ctx, requestId, { peeker_action_ids: observed.peekerActionIds }));
    }
  }

  const seen = new Set(keys);
  const gone = existing.filter(
    // A card waiting on (or following) a corrected order is decided by that order, not by the original's end; a
    // card whose Peeker write is in flight is decided by that write's outcome (the flow or the intent sweeper),
    // or the write's recording would land on a resolved card and, for a reorder, the corrected order never follow.
    (row) =>
      !seen.has(row.card_key) &&
      row.state !== "resolved" &&
      !(snapshot.spareResolving && followsOurSwap(row, snapshot.scope?.id)) &&
      !(row.intent_kind !== null && WRITE_INTENTS.has(row.intent_kind)) &&
      inScope(row, snapshot) &&
      !heldByReorder(row),
  );
  for (const row of gone) {
    const resolved = await updateAction(trx, row, {
      state: "resolved",
      resolved_at: ctx.now,
      resolved_by: "system",
      resolution:
        ctx.source === "reconcile" ? "Resolved outside Slack" : snapshot.resolution || "Resolved in Peeker",
      resolving_by: null,
      resolving_since: null,
      resolving_note: null,
      last_checked_at: ctx.now,
    });
    result.resolved++;
    await ctx.publisher.publish(trx, resolved);
    await ctx.publisher.threadLine(trx, resolved, {
      kind: "resolved",
      source: ctx.source,
      how: ctx.source === "reconcile" ? snapshot.resolution || undefined : (resolved.resolution ?? undefined),
    });
    audit.push(entry(resolved, "resolved", ctx, requestId, { resolution: resolved.resolution }));
  }
  await appendAudit(trx, audit);
  return result;
}

/** Intents of a Peeker write (a bare `lock` is not one: nothing was sent yet). */
const WRITE_INTENTS: ReadonlySet<string> = new Set([
  "swap_create",
  "order_create",
  "order_cancel",
  "queued_order_create",
] satisfies IntentKind[]);

/** The resolving note our swap's recording writes (src/pending/resolve-swap.ts recordSwapCreated). */
function ourSwapNote(swapId: string): string {
  return `Swap ${swapId} in progress`;
}

/**
 * Whether the swap a resolving card names is the one our submit created, matched exactly by the note its
 * recording wrote. Never by time: Peeker's created_at is on Peeker's clock, and an older swap created "after"
 * our lock by a clock ahead of ours would unlock the card the submit just locked (its own re-check).
 */
function isOurSwap(row: PendingActionRow, observed: ObservedAction): boolean {
  return !!observed.swapId && row.resolving_note === ourSwapNote(observed.swapId);
}

/**
 * A resolving card to spare when its swap lists no action: one following a swap we created (its create is in
 * flight, or it was recorded). A bare lock is not spared: the action is gone, so the submit must be refused.
 */
function followsOurSwap(row: PendingActionRow, swapId: string | undefined): boolean {
  if (row.state !== "resolving") return false;
  return row.intent_kind === "swap_create" || (!!swapId && row.resolving_note === ourSwapNote(swapId));
}

/** A resolving card that follows a newer swap than the one this re-read is about. */
function followsAnotherSwap(row: PendingActionRow, observed: ObservedAction): boolean {
  return row.state === "resolving" && !!row.swap_id && !!observed.swapId && row.swap_id !== observed.swapId;
}

async function lockRows(
  trx: Transaction<Database>,
  snapshot: Snapshot,
  keys: string[],
): Promise<PendingActionRow[]> {
  const scope = snapshot.scope;
  if (keys.length === 0 && !scope) return [];
  return trx
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) => {
      const byKey = keys.length > 0 ? [eb("card_key", "in", keys)] : [];
      const byScope = scope
        ? [
            eb.and([
              eb(scope.column, "=", scope.id),
              eb("state", "!=", "resolved"),
              ...(scope.kinds ? [eb("resource_kind", "in", scope.kinds)] : []),
            ]),
          ]
        : [];
      return eb.or([...byKey, ...byScope]);
    })
    .orderBy("id")
    .forUpdate()
    .execute();
}

function inScope(row: PendingActionRow, snapshot: Snapshot): boolean {
  const scope = snapshot.scope;
  if (!scope) return false;
  if (row[scope.column] !== scope.id) return false;
  return !scope.kinds || scope.kinds.includes(row.resource_kind as never);
}

async function insertAction(
  trx: Transaction<Database>,
  observed: ObservedAction,
  ctx: ApplyContext,
): Promise<PendingActionRow | undefined> {
  return (
    trx
      .insertInto("pending_actions")
      .values({
        card_key: observed.cardKey,
        reason: observed.reason,
        resource_kind: observed.resourceKind,
        resource_id: observed.resourceId,
        ...fieldsOf(observed),
        state: "open",
        sandbox: ctx.sandbox,
        opened_at: observed.openedAt,
        last_seen_at: ctx.now,
        last_checked_at: ctx.now,
      })
      // Read numbers order one resource's snapshots; a card key shared by two resources (a swap and
      // its domain) can still race, and the loser simply finds the row on its next re-read.
      .onConflict((oc) => oc.column("card_key").doNothing())
      .returningAll()
      .executeTakeFirst()
  );
}

function fieldsOf(observed: ObservedAction) {
  const details: ActionDetails = observed.details;
  return {
    order_id: observed.orderId ?? null,
    domain_id: observed.domainId ?? null,
    domain: observed.domain ?? null,
    import_id: observed.importId ?? null,
    swap_id: observed.swapId ?? null,
    user_id: observed.userId ?? null,
    customer_email: observed.customerEmail ?? null,
    peeker_action_ids: observed.peekerActionIds,
    message: observed.message ?? null,
    details: JSON.stringify(details),
  };
}

/** Fields that change what the card shows; a re-read that only confirms the state writes just the timestamps. */
function changed(row: PendingActionRow, observed: ObservedAction): boolean {
  const next = fieldsOf(observed);
  return (
    row.order_id !== next.order_id ||
    row.domain_id !== next.domain_id ||
    row.domain !== next.domain ||
    row.import_id !== next.import_id ||
    (next.swap_id !== null && row.swap_id !== next.swap_id) ||
    row.user_id !== next.user_id ||
    row.customer_email !== next.customer_email ||
    row.message !== next.message ||
    row.peeker_action_ids.join(",") !== next.peeker_action_ids.join(",") ||
    stableJson(peekerDetailsOf(row.details)) !== stableJson(observed.details)
  );
}

async function updateAction(
  trx: Transaction<Database>,
  row: PendingActionRow,
  values: Record<string, unknown>,
): Promise<PendingActionRow> {
  // A swap id we recorded ourselves (resolution flow) is kept when a re-read does not know it.
  const patch = { ...values };
  if (patch.swap_id === null && row.swap_id) delete patch.swap_id;
  // Notes, a queued reorder or a followed order written from Slack survive the re-read (src/pending/slack-details.ts).
  if (typeof patch.details === "string") {
    patch.details = JSON.stringify(mergeRereadDetails(row.details, JSON.parse(patch.details) as object));
  }
  return trx
    .updateTable("pending_actions")
    .set({ ...patch, version: sql`version + 1`, updated_at: sql`now()` })
    .where("id", "=", row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function touch(trx: Transaction<Database>, ids: string[], now: Date): Promise<void> {
  await trx
    .updateTable("pending_actions")
    .set({ last_seen_at: now, last_checked_at: now })
    .where("id", "in", ids)
    .execute();
}

function entry(
  row: PendingActionRow,
  action: string,
  ctx: ApplyContext,
  requestId: string | null,
  details: Record<string, unknown>,
): AuditEntry {
  return {
    actor: "system",
    action: `action.${action}`,
    pendingActionId: row.id,
    resourceId: row.resource_id,
    details: { card_key: row.card_key, reason: row.reason, source: ctx.source, cause: ctx.cause, ...details },
    peekerRequestId: requestId,
  };
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * The batch form of the commonest outcome, for reconciliation's walk: every snapshot whose open actions are all
 * tracked, open and unchanged, and whose scope holds nothing else, is confirmed with one lock and one write
 * (exactly what applySnapshot does for it: touch the rows, count them unchanged). The others come back in
 * `rest`, for applySnapshot one by one. Call it after admitReads, inside the caller's transaction.
 */
export async function confirmUnchanged(
  ctx: ApplyContext,
  snapshots: Snapshot[],
): Promise<{ unchanged: number; rest: Snapshot[] }> {
  const keys = snapshots.flatMap((s) => s.open.map((o) => o.cardKey));
  const scopes = snapshots.flatMap((s) => (s.scope ? [s.scope] : []));
  if (keys.length === 0) return { unchanged: 0, rest: snapshots };
  const rows = await ctx.trx
    .selectFrom("pending_actions")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("card_key", "in", keys),
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
  const byKey = new Map(rows.map((row) => [row.card_key, row]));
  const confirmed: string[] = [];
  const rest: Snapshot[] = [];
  for (const snapshot of snapshots) {
    const seen = new Set(snapshot.open.map((o) => o.cardKey));
    const same =
      snapshot.open.length > 0 &&
      snapshot.open.every((observed) => {
        const row = byKey.get(observed.cardKey);
        return row !== undefined && row.state === "open" && !changed(row, observed);
      }) &&
      !rows.some((row) => !seen.has(row.card_key) && row.state !== "resolved" && inScope(row, snapshot));
    if (!same) {
      rest.push(snapshot);
      continue;
    }
    for (const observed of snapshot.open) {
      const row = byKey.get(observed.cardKey);
      if (row) confirmed.push(row.id);
    }
  }
  if (confirmed.length > 0) await touch(ctx.trx, confirmed, ctx.now);
  return { unchanged: confirmed.length, rest };
}
