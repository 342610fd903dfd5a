import type { Kysely, Transaction } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import { BACK_TO_OPEN, claimQueuedPlacement, clearIntent, NO_INTENT } from "../db/intents.repository.js";
import {
  correctedOrdersAwaited,
  findFollowersOfOrder,
  findPendingAction,
  findQueuedReorders,
  lockPendingAction,
  updatePendingAction,
} from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { PeekerClient } from "../peeker/client.js";
import { isPeekerError, type PeekerError } from "../peeker/errors.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import type { CardChange } from "./changes.js";
import { INTENT_OWNER, whileInFlight } from "./intents.js";
import { invalid, type ResolveOutcome, refused } from "./outcomes.js";
import { lookUpCorrectedOrder } from "./reorder-outcomes.js";
import { type Actor, audited, INTERACTIVE, publishChange, type ResolveDeps } from "./resolution.js";
import { loginFor, withLogin } from "./resolve-reorder.js";
import {
  patchDetails,
  type QueuedReorder,
  type SequencerLogin,
  slackDetailsOf,
  withNote,
} from "./slack-details.js";

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

type PlaceOutcome = "placed" | "waiting" | "need_login" | "refused" | "busy" | "gone";

/**
 * One queued reorder. `login` is given by the card's login modal; otherwise configuration decides. Throws on a
 * transient Peeker failure (the entry stays queued). No transaction is open during a Peeker call: the placement
 * is taken by recording its intent against the row's version (one winner across replicas), and every change
 * after a Peeker answer is a short transaction that first checks the row did not move meanwhile.
 */
function placeQueued(
  deps: QueuedReorderDeps,
  id: string,
  who: { actor: string; login?: SequencerLogin; interactive?: boolean },
): Promise<PlaceOutcome> {
  return whileInFlight(id, () => placeQueuedNow(deps, id, who));
}

async function placeQueuedNow(
  deps: QueuedReorderDeps,
  id: string,
  who: { actor: string; login?: SequencerLogin; interactive?: boolean },
): Promise<PlaceOutcome> {
  const options = who.interactive ? INTERACTIVE : undefined;
  const row = await findPendingAction(deps.db, id);
  const queued = row ? slackDetailsOf(row.details).queuedReorder : undefined;
  if (row?.state !== "resolving" || !queued) return "gone";
  // Another replica (or the webhook path) is already placing this one.
  if (row.intent_kind === "queued_order_create") return "busy";
  const original = await deps.peeker.getOrder(queued.originalOrderId, options);
  const status = original.data.status;
  if (status === "completed" || status === "failed") {
    // The original ended some other way and will never be `cancelled`: waiting on it would hold the card forever.
    const why = `${queued.originalOrderId} is ${status}, not cancelled; the queued corrected order was dropped`;
    const done = await ifUnchanged(deps, row, (trx) =>
      reopenQueued(
        trx,
        deps,
        row,
        why,
        { kind: "reopened", why },
        "action.reopened",
        who.actor,
        {
          why,
        },
        original.requestId,
      ),
    );
    return done ? "refused" : "busy";
  }
  if (status !== "cancelled") return "waiting";

  const login = who.login ?? (queued.loginFrom === "config" ? complete(deps.sequencerLogin()) : undefined);
  if (!login) {
    if (queued.needsLogin) return "need_login";
    const asking: QueuedReorder = { ...queued, needsLogin: true };
    await ifUnchanged(deps, row, async (trx) => {
      const updated = await updatePendingAction(trx, row.id, {
        details: withNote(
          patchDetails(row.details, { queuedReorder: asking }),
          escapeMrkdwn(
            `${queued.originalOrderId} is cancelled: enter the sequencer login to place the corrected order`,
          ),
        ),
        resolving_note: `${queued.originalOrderId} is cancelled; waiting for the sequencer login`,
      });
      await publishChange(
        trx,
        deps,
        updated,
        {
          kind: "note",
          text: `<@${queued.requestedBy}> ${queued.originalOrderId} is cancelled. Press *Enter sequencer login…* on the card to place the corrected order.`,
        },
        "action.reorder_needs_login",
        who.actor,
        { original_order_id: queued.originalOrderId },
        original.requestId,
      );
    });
    return "need_login";
  }

  // The intent first, taken against the version read above: exactly one process sends this POST.
  const claimed = await claimQueuedPlacement(deps.db, {
    id: row.id,
    version: row.version,
    owner: INTENT_OWNER,
    now: deps.now(),
    payload: { original_order_id: queued.originalOrderId, body: queued.body },
  });
  if (!claimed) return "busy";
  let placed: { id: string; requestId: string | undefined };
  try {
    const answer = await deps.peeker.createOrder(withLogin(queued.body, login), options);
    placed = { id: answer.data.id, requestId: answer.requestId };
  } catch (error) {
    if (isPeekerError(error) && error.isClientError) {
      // Peeker refused the body itself; repeating it cannot help, so the card goes back to the team.
      await refuseQueued(deps, claimed, error, who.actor);
      return "refused";
    }
    const found = await lookUpCorrectedOrder(
      deps.peeker,
      queued.body,
      queued.originalOrderId,
      claimed.intent_at ?? deps.now(),
    ).catch(() => undefined);
    if (!found) {
      // Not placed (as far as Peeker shows): the entry stays queued for the next pass, without an intent.
      await clearIntent(deps.db, claimed).catch(() => {});
      throw error;
    }
    placed = found;
  }
  await recordQueuedPlaced(deps, claimed.id, queued, placed, who.actor);
  return "placed";
}

/** Runs `change` in a short transaction if the row is still at the version `row` was read at. */
async function ifUnchanged(
  deps: QueuedReorderDeps,
  row: PendingActionRow,
  change: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, row.id);
    if (!current || current.version !== row.version) return false;
    await change(trx);
    return true;
  });
}

async function reopenQueued(
  trx: Transaction<Database>,
  deps: QueuedReorderDeps,
  row: PendingActionRow,
  note: string,
  change: CardChange,
  auditAction: string,
  actor: string,
  details: Record<string, unknown>,
  requestId: string | undefined,
): Promise<void> {
  const reopened = await updatePendingAction(trx, row.id, {
    ...BACK_TO_OPEN,
    // Card notes are mrkdwn: the ids Peeker gave are escaped (src/mrkdwn.ts).
    details: withNote(patchDetails(row.details, { queuedReorder: undefined }), escapeMrkdwn(note)),
  });
  await publishChange(trx, deps, reopened, change, auditAction, actor, details, requestId);
}

async function refuseQueued(
  deps: QueuedReorderDeps,
  row: PendingActionRow,
  error: PeekerError,
  actor: string,
): Promise<void> {
  await ifUnchanged(deps, row, (trx) =>
    reopenQueued(
      trx,
      deps,
      row,
      `Peeker refused the corrected order (${error.code}${error.requestId ? `, request ${error.requestId}` : ""})`,
      {
        kind: "error",
        message: `Peeker refused the corrected order: ${error.code}`,
        requestId: error.requestId,
      },
      "action.reorder_refused",
      actor,
      { code: error.code, field: error.field ?? null },
      error.requestId,
    ),
  );
}

/**
 * The queued corrected order exists in Peeker: the card follows it, the queue entry and the intent go, in one
 * commit. Used after the POST and by the sweeper (the order found after a crash or a failed commit).
 */
export async function recordQueuedPlaced(
  deps: Pick<QueuedReorderDeps, "db" | "publisher">,
  id: string,
  queued: QueuedReorder,
  placed: { id: string; requestId: string | undefined },
  actor: string,
): Promise<void> {
  const newOrderId = placed.id;
  await deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, id);
    if (current?.state !== "resolving") return;
    const updated = await updatePendingAction(trx, id, {
      details: withNote(
        patchDetails(current.details, { queuedReorder: undefined, newOrderId }),
        escapeMrkdwn(`${queued.originalOrderId} cancelled; corrected order ${newOrderId} placed`),
      ),
      resolving_note: `Corrected order ${newOrderId} in progress`,
      ...NO_INTENT,
    });
    await publishChange(
      trx,
      deps,
      updated,
      { kind: "note", text: `${queued.originalOrderId} is cancelled; corrected order ${newOrderId} placed` },
      "action.reorder_placed",
      actor,
      {
        original_order_id: queued.originalOrderId,
        new_order_id: newOrderId,
        requested_by: queued.requestedBy,
      },
      placed.requestId,
    );
  });
}

function complete(login: Partial<SequencerLogin>): SequencerLogin | undefined {
  return login.email && login.password ? { email: login.email, password: login.password } : undefined;
}

/**
 * The card follows the corrected order it placed: resolved when that order completes, open again (with why)
 * when it fails or is cancelled. Other statuses leave it `resolving`.
 */
export async function followCorrectedOrder(
  deps: QueuedReorderDeps,
  orderId: string,
  status?: string,
): Promise<number> {
  const rows = await findFollowersOfOrder(deps.db, orderId);
  if (rows.length === 0) return 0;
  let requestId: string | undefined;
  let current = status;
  if (current === undefined) {
    const order = await deps.peeker.getOrder(orderId);
    current = order.data.status;
    requestId = order.requestId;
  }
  if (current !== "completed" && current !== "failed" && current !== "cancelled") return 0;
  const now = deps.now();
  let changed = 0;
  await deps.db.transaction().execute(async (trx) => {
    for (const candidate of rows) {
      const row = await lockPendingAction(trx, candidate.id);
      if (!row) continue;
      if (row.state !== "resolving" || slackDetailsOf(row.details).newOrderId !== orderId) continue;
      changed++;
      if (current === "completed") {
        const how = `Corrected order ${orderId} completed`;
        const resolved = await updatePendingAction(trx, row.id, {
          state: "resolved",
          resolved_at: now,
          resolved_by: "system",
          resolution: how,
          resolving_by: null,
          resolving_since: null,
          resolving_note: null,
        });
        await publishChange(
          trx,
          deps,
          resolved,
          { kind: "resolved", source: "peeker", how },
          "action.resolved",
          "system",
          { resolution: how, new_order_id: orderId },
          requestId,
        );
      } else {
        const why = `Corrected order ${orderId} ${current}`;
        const reopened = await updatePendingAction(trx, row.id, {
          state: "open",
          resolving_by: null,
          resolving_since: null,
          resolving_note: null,
          details: withNote(row.details, escapeMrkdwn(why)),
        });
        await publishChange(
          trx,
          deps,
          reopened,
          { kind: "reopened", why },
          "action.reopened",
          "system",
          { why },
          requestId,
        );
      }
    }
  });
  if (changed > 0) deps.wakeSender?.();
  return changed;
}

/** Called after every order re-read (webhook path): the order may be an original to replace or a new one to follow. */
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
