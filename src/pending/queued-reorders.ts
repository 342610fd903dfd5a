import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import {
  correctedOrdersAwaited,
  findPendingAction,
  findQueuedReorders,
} from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PeekerClient } from "../peeker/client.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import { followCorrectedOrder } from "./follow-corrected-order.js";
import { invalid, type ResolveOutcome, refused } from "./outcomes.js";
import { placeQueued } from "./place-queued-reorder.js";
import { loginFor } from "./reorder-body.js";
import type { Actor, ResolveDeps } from "./resolution.js";
import { audited } from "./resolution-audit.js";
import { type SequencerLogin, slackDetailsOf } from "./slack-details.js";

/**
 * Queued reorders (design §3, "Reorder and cancellation"): a corrected order waits, stored without its sequencer
 * login, until its original order is `cancelled`; then the bot places it once, with the login from configuration
 * at that moment. A login that was typed in the modal was never stored, so the card asks for it again.
 *
 * Both the order re-read path (a webhook, src/pending/process-event.ts) and reconciliation call
 * `completeQueuedReorders`. Exactly one `POST /orders` per queued reorder, however many replicas or paths race:
 * the placer first records a `queued_order_create` intent against the row's version (`claimQueuedPlacement`;
 * no transaction is held across the POST), and the queue entry is removed in the same commit that records the
 * new order. After a crash between the POST and that commit, the intent sweeper finds the order in Peeker.
 *
 * Once placed, the card follows the corrected order: it resolves when that order completes and goes back to open
 * when it fails or is cancelled (`followCorrectedOrder`).
 *
 * This file holds the entry points: the passes over the queue (webhook, reconcile) and the card's *Enter sequencer
 * login…* button. Placing one entry is src/pending/place-queued-reorder.ts; following the placed order is
 * src/pending/follow-corrected-order.ts.
 */

export interface QueuedReorderDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "getOrder" | "createOrder" | "listOrders">;
  publisher: CardPublisher;
  now: () => Date;
  /** PEEKER_SEQUENCER_LOGIN_EMAIL / _PASSWORD as configured right now. */
  sequencerLogin: () => Partial<SequencerLogin>;
  wakeSender?: () => void;
}

export interface QueuedReorderCounts {
  placed: number;
  /** The original is not cancelled yet. */
  waiting: number;
  /** The original is cancelled; the card asks for the sequencer login. */
  needLogin: number;
  /** Peeker refused the corrected order; the card is open again. */
  refused: number;
}

/**
 * Places every queued reorder whose original order is now `cancelled` (only those of `originalOrderId` when
 * given). A transient Peeker failure leaves the entry queued for the next call and is rethrown at the end, so
 * the caller (an inbox event) retries.
 */
export async function completeQueuedReorders(
  deps: QueuedReorderDeps,
  options: { originalOrderId?: string } = {},
): Promise<QueuedReorderCounts> {
  const counts: QueuedReorderCounts = { placed: 0, waiting: 0, needLogin: 0, refused: 0 };
  const rows = await findQueuedReorders(deps.db, options.originalOrderId);
  const failures: unknown[] = [];
  for (const candidate of rows) {
    const run = await withPeekerCallLog(() => placeQueued(deps, candidate.id, { actor: "system" }));
    await appendAudit(
      deps.db,
      callAuditEntries(run.calls, { actor: "system", pendingActionId: candidate.id }),
    );
    if (run.threw) {
      failures.push(run.error);
      continue;
    }
    const outcome = run.value;
    if (outcome === "placed") counts.placed++;
    else if (outcome === "waiting") counts.waiting++;
    else if (outcome === "need_login") counts.needLogin++;
    else if (outcome === "refused") counts.refused++;
  }
  if (counts.placed + counts.needLogin + counts.refused > 0) deps.wakeSender?.();
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} queued reorder(s) could not be placed yet: ${messageOf(failures[0])}`,
      {
        cause: failures[0],
      },
    );
  }
  return counts;
}

/**
 * Reconciliation's safety net for the corrected orders cards wait on: the order's webhook may have been lost, and
 * nothing else re-reads the new order. Returns how many cards changed.
 */
export async function followAllCorrectedOrders(deps: QueuedReorderDeps): Promise<number> {
  let changed = 0;
  for (const orderId of await correctedOrdersAwaited(deps.db))
    changed += await followCorrectedOrder(deps, orderId);
  if (changed > 0) deps.wakeSender?.();
  return changed;
}

/** Called after every order re-read (webhook path): the order may be an original to replace or a new one to follow. */
export async function afterOrderReread(deps: QueuedReorderDeps, orderId: string): Promise<void> {
  await followCorrectedOrder(deps, orderId);
  await completeQueuedReorders(deps, { originalOrderId: orderId });
}

// ---- the card's *Enter sequencer login…* button (a login typed in the modal is asked for again) ----

export interface LoginForm {
  row: PendingActionRow;
  originalOrderId: string;
  askLogin: { email: boolean; password: boolean };
}

export function prepareReorderLogin(
  deps: ResolveDeps & { sequencerLogin: () => Partial<SequencerLogin> },
  actor: Actor,
): Promise<ResolveOutcome<LoginForm>> {
  return audited(deps, actor, "click.reorder_login", {}, async () => {
    if (!(await deps.isOperator(actor.userId))) return refused({ kind: "not_operator" });
    const row = await findPendingAction(deps.db, actor.pendingActionId);
    if (!row) return refused({ kind: "not_found" });
    const queued = slackDetailsOf(row.details).queuedReorder;
    if (row.state !== "resolving" || !queued?.needsLogin) return refused({ kind: "nothing_queued" });
    if (row.claimed_by && row.claimed_by !== actor.userId)
      return refused({ kind: "claimed", by: row.claimed_by });
    const configured = deps.sequencerLogin();
    return {
      kind: "done",
      result: {
        row,
        originalOrderId: queued.originalOrderId,
        askLogin: { email: !configured.email, password: !configured.password },
      },
    };
  });
}

export function submitReorderLogin(
  deps: ResolveDeps & { sequencerLogin: () => Partial<SequencerLogin> },
  actor: Actor,
  typed: { email?: string | undefined; password?: string | undefined },
): Promise<ResolveOutcome<{ newOrderId: string }>> {
  return audited(deps, actor, "submit.reorder_login", { login_typed: true }, async () => {
    if (!(await deps.isOperator(actor.userId))) return refused({ kind: "not_operator" });
    const login = loginFor(deps.sequencerLogin(), typed);
    if (login.problems.length > 0) return invalid(...login.problems);
    const queuedDeps: QueuedReorderDeps = {
      db: deps.db,
      peeker: deps.peeker,
      publisher: deps.publisher,
      now: () => deps.clock.now(),
      sequencerLogin: deps.sequencerLogin,
      wakeSender: deps.wakeSender,
    };
    const before = await findPendingAction(deps.db, actor.pendingActionId);
    if (!before) return refused({ kind: "not_found" });
    if (before.claimed_by && before.claimed_by !== actor.userId)
      return refused({ kind: "claimed", by: before.claimed_by });
    try {
      const outcome = await placeQueued(queuedDeps, actor.pendingActionId, {
        actor: actor.userId,
        login: login.value,
        interactive: true,
      });
      deps.wakeSender();
      if (outcome === "placed") {
        const after = await findPendingAction(deps.db, actor.pendingActionId);
        return { kind: "done", result: { newOrderId: slackDetailsOf(after?.details).newOrderId ?? "" } };
      }
      if (outcome === "busy") return refused({ kind: "resolving", by: before.resolving_by ?? "someone" });
      if (outcome === "refused") {
        return {
          kind: "failed",
          error: new Error("Peeker refused the corrected order; the card is open again"),
          doing: "placing the corrected order",
        };
      }
      return refused({ kind: "nothing_queued" });
    } catch (error) {
      return { kind: "failed", error, doing: "placing the corrected order" };
    }
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
