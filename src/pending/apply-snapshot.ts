import type { Transaction } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import {
  insertActionIfNew,
  lockActionsOfRead,
  touchActions,
  updateActionFromRead,
} from "../db/pending-actions-apply.repository.js";
import type { Database, PendingActionRow, PendingActionUpdate } from "../db/schema.js";
import type { CardChange } from "./changes.js";
import { heldByReorder, mergeRereadDetails } from "./slack-details.js";
import type { ObservedAction, Snapshot } from "./snapshot.js";
import {
  changed,
  fieldsOf,
  followsAnotherSwap,
  followsOurSwap,
  inScope,
  isOurSwap,
  writeInFlight,
} from "./snapshot-rules.js";

/**
 * Applies one re-read to the tracked actions, inside the caller's short transaction (which has admitted the
 * snapshot by its read number, src/pending/resource-lease.ts, so an older one never lands after a newer one).
 * Opens, updates and resolves by card key;
 * every card change goes to the publisher, which renders it into the outbox in the same transaction.
 * The rules it follows are src/pending/snapshot-rules.ts; the queries src/db/pending-actions-apply.repository.ts.
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

/** One applySnapshot under way: what it counts and the audit rows it writes at the end, in one statement. */
interface Applying {
  ctx: ApplyContext;
  snapshot: Snapshot;
  result: ApplyResult;
  audit: AuditEntry[];
  requestId: string | null;
}

export async function applySnapshot(ctx: ApplyContext, snapshot: Snapshot): Promise<ApplyResult> {
  const run: Applying = {
    ctx,
    snapshot,
    result: { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 },
    audit: [],
    requestId: snapshot.requestIds.at(-1) ?? null,
  };
  const keys = snapshot.open.map((o) => o.cardKey);
  const existing = await lockActionsOfRead(ctx.trx, keys, snapshot.scope ? [snapshot.scope] : []);
  const byKey = new Map(existing.map((row) => [row.card_key, row]));
  for (const observed of snapshot.open) await applyObserved(run, observed, byKey.get(observed.cardKey));

  const seen = new Set(keys);
  const gone = existing.filter(
    // A card waiting on (or following) a corrected order is decided by that order, not by the original's end; a
    // card whose Peeker write is in flight is decided by that write's outcome (the flow or the intent sweeper),
    // or the write's recording would land on a resolved card and, for a reorder, the corrected order never follow.
    (row) =>
      !seen.has(row.card_key) &&
      row.state !== "resolved" &&
      !(snapshot.spareResolving && followsOurSwap(row, snapshot.scope?.id)) &&
      !writeInFlight(row) &&
      inScope(row, snapshot) &&
      !heldByReorder(row),
  );
  for (const row of gone) await resolveGone(run, row);
  await appendAudit(ctx.trx, run.audit);
  return run.result;
}

/** One action Peeker lists: opened when new, reopened, updated when it changed, otherwise confirmed. */
async function applyObserved(
  run: Applying,
  observed: ObservedAction,
  row: PendingActionRow | undefined,
): Promise<void> {
  const { ctx, snapshot, result } = run;
  if (!row) {
    const inserted = await insertAction(ctx, observed);
    if (!inserted) return;
    result.opened++;
    // No "opened" thread line: the card itself says so, and every line is one more message in the channel's pace.
    await ctx.publisher.publish(ctx.trx, inserted);
    run.audit.push(entry(run, inserted, "opened", { peeker_action_ids: observed.peekerActionIds }));
    return;
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
    await reopen(run, observed, row);
    return;
  }
  if (followsAnotherSwap(row, observed) || !changed(row, observed)) {
    // A card following our newer swap keeps it: a re-read of the older swap that opened the card must not set
    // swap_id back, or the newer swap's re-reads (scoped to its id) would never find the card again.
    await touchActions(ctx.trx, [row.id], ctx.now);
    result.unchanged++;
    return;
  }
  const updated = await updateAction(ctx.trx, row, {
    ...fieldsOf(observed),
    last_seen_at: ctx.now,
    last_checked_at: ctx.now,
  });
  result.updated++;
  await ctx.publisher.publish(ctx.trx, updated);
  run.audit.push(entry(run, updated, "updated", { peeker_action_ids: observed.peekerActionIds }));
}

async function reopen(run: Applying, observed: ObservedAction, row: PendingActionRow): Promise<void> {
  const { ctx } = run;
  const why = run.snapshot.reopenWhy ?? "Peeker reports it again";
  const reopened = await updateAction(ctx.trx, row, {
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
  run.result.reopened++;
  await ctx.publisher.publish(ctx.trx, reopened);
  await ctx.publisher.threadLine(ctx.trx, reopened, { kind: "reopened", why });
  run.audit.push(entry(run, reopened, "reopened", { why }));
}

/** A tracked action in the re-read's scope that Peeker no longer lists. */
async function resolveGone(run: Applying, row: PendingActionRow): Promise<void> {
  const { ctx, snapshot } = run;
  const resolved = await updateAction(ctx.trx, row, {
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
  run.result.resolved++;
  await ctx.publisher.publish(ctx.trx, resolved);
  await ctx.publisher.threadLine(ctx.trx, resolved, {
    kind: "resolved",
    source: ctx.source,
    how: ctx.source === "reconcile" ? snapshot.resolution || undefined : (resolved.resolution ?? undefined),
  });
  run.audit.push(entry(run, resolved, "resolved", { resolution: resolved.resolution }));
}

function insertAction(ctx: ApplyContext, observed: ObservedAction): Promise<PendingActionRow | undefined> {
  // Read numbers order one resource's snapshots; a card key shared by two resources (a swap and
  // its domain) can still race, and the loser simply finds the row on its next re-read.
  return insertActionIfNew(ctx.trx, {
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
  });
}

function updateAction(
  trx: Transaction<Database>,
  row: PendingActionRow,
  values: PendingActionUpdate,
): Promise<PendingActionRow> {
  // A swap id we recorded ourselves (resolution flow) is kept when a re-read does not know it.
  const patch = { ...values };
  if (patch.swap_id === null && row.swap_id) delete patch.swap_id;
  // Notes, a queued reorder or a followed order written from Slack survive the re-read (src/pending/slack-details.ts).
  if (typeof patch.details === "string") {
    patch.details = JSON.stringify(mergeRereadDetails(row.details, JSON.parse(patch.details) as object));
  }
  return updateActionFromRead(trx, row.id, patch);
}

function entry(
  run: Applying,
  row: PendingActionRow,
  action: string,
  details: Record<string, unknown>,
): AuditEntry {
  const { ctx } = run;
  return {
    actor: "system",
    action: `action.${action}`,
    pendingActionId: row.id,
    resourceId: row.resource_id,
    details: { card_key: row.card_key, reason: row.reason, source: ctx.source, cause: ctx.cause, ...details },
    peekerRequestId: run.requestId,
  };
}
