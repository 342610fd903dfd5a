import { NO_INTENT } from "../db/intents.repository.js";
import { lockPendingAction, updatePendingAction } from "../db/pending-actions.repository.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import { assertWaitingOn, type IntentKind } from "./intents.js";
import { INTERACTIVE, publishChange, type ResolveDeps, type ResolverPeeker } from "./resolution.js";
import { patchDetails, type QueuedReorder, type ReorderBody, withNote } from "./slack-details.js";

/**
 * What a reorder's Peeker writes did, looked up and recorded: used by the submit right after the call
 * (src/pending/place-corrected-order.ts, src/pending/place-queued-reorder.ts), and by the intent sweeper
 * (src/pending/intent-sweeper.ts) after a crash or a failed commit. Lookups are reads only; recording clears the
 * card's intent in the same update.
 */
/** Whether Peeker took the cancellation of `orderId` (its answer may have been lost). */
export async function cancellationAccepted(
  peeker: Pick<ResolverPeeker, "getOrder">,
  orderId: string,
): Promise<{ requestId: string | undefined } | undefined> {
  // A failed read throws: "could not look" must never pass for "not cancelled" (the sweeper would release a card
  // whose original is in fact cancelled).
  const current = await peeker.getOrder(orderId, INTERACTIVE);
  const status = current.data.status;
  return status === "cancel_scheduled" || status === "cancelled"
    ? { requestId: current.requestId }
    : undefined;
}

/** How far before the intent a matching order may have been created (clock skew between us and Peeker). */
const LOOKUP_SKEW_MS = 5 * 60 * 1000;
/** Pages of the customer's orders looked at (newest first, documented). */
const LOOKUP_PAGES = 3;

/**
 * The corrected order a lost `POST /orders` may have placed: the customer's newest orders (`GET /orders?user_id=`,
 * newest first) created since the intent, other than the original, with the body's domains and picture URLs.
 * A read only: looking never places a second order.
 */
export async function lookUpCorrectedOrder(
  peeker: Pick<ResolverPeeker, "listOrders" | "getOrder">,
  body: ReorderBody,
  originalOrderId: string,
  since: Date,
): Promise<{ id: string; requestId: string | undefined } | undefined> {
  const wantedDomains = body.domains.map((d) => (typeof d === "string" ? d : d.domain).toLowerCase()).sort();
  const wantedUrls = body.personas.map((p) => p.profile_picture_url);
  const earliest = since.getTime() - LOOKUP_SKEW_MS;
  let pages = 0;
  for await (const page of peeker.listOrders({ user_id: body.user }).pages()) {
    // Newest first: a few pages reach back past the intent; older orders cannot be the one it placed.
    if (++pages > LOOKUP_PAGES) return undefined;
    for (const summary of page.data) {
      if (Date.parse(summary.created_at) < earliest || summary.id === originalOrderId) continue;
      const order = (await peeker.getOrder(summary.id)).data;
      const domains = order.domains.map((d) => d.domain.toLowerCase()).sort();
      const urls = order.personas.map((p) => p.profile_picture_url);
      if (
        JSON.stringify(domains) === JSON.stringify(wantedDomains) &&
        JSON.stringify(urls) === JSON.stringify(wantedUrls)
      )
        return { id: order.id, requestId: page.requestId };
    }
  }
  return undefined;
}

/** The corrected order exists: the card follows it and the intent is done (the submit, or the sweeper). */
export function acceptPlaced(
  deps: Pick<ResolveDeps, "db" | "publisher" | "wakeSender">,
  actorId: string,
  id: string,
  newOrderId: string,
  requestId: string | undefined,
  how = "",
): Promise<void> {
  return recordOnCard(deps, actorId, id, "order_create", {
    note: `Corrected order ${escapeMrkdwn(newOrderId)} placed by <@${actorId}>${how}`,
    patch: { newOrderId },
    resolvingNote: `Corrected order ${newOrderId} in progress`,
    threadNote: `Corrected order ${newOrderId} placed`,
    auditAction: "action.reorder_placed",
    auditDetails: { new_order_id: newOrderId },
    requestId,
  });
}

/** The cancellation was accepted: the corrected order waits for it, the intent is done (submit or sweeper). */
export function acceptQueued(
  deps: Pick<ResolveDeps, "db" | "publisher" | "wakeSender">,
  actorId: string,
  id: string,
  queued: QueuedReorder,
  requestId: string | undefined,
  how = "",
): Promise<void> {
  const waiting = `Reorder queued until ${queued.originalOrderId} is cancelled`;
  return recordOnCard(deps, actorId, id, "order_cancel", {
    note: `Cancellation of ${escapeMrkdwn(queued.originalOrderId)} requested by <@${actorId}>${how}; the corrected order follows once it is cancelled`,
    patch: { queuedReorder: queued },
    resolvingNote: waiting,
    threadNote: waiting,
    auditAction: "action.reorder_queued",
    auditDetails: { original_order_id: queued.originalOrderId, login_from: queued.loginFrom },
    requestId,
  });
}

/**
 * One commit: the note and the Slack details on the card, the intent cleared, the thread line and the audit row.
 * Only onto the card still waiting on this write (resolving, its intent `expected`): a queued reorder written onto
 * a card resolved meanwhile would never be placed (src/db/pending-actions.repository.ts findQueuedReorders).
 */
async function recordOnCard(
  deps: Pick<ResolveDeps, "db" | "publisher" | "wakeSender">,
  actorId: string,
  id: string,
  expected: IntentKind,
  input: {
    note: string;
    patch: Record<string, unknown>;
    resolvingNote: string;
    threadNote: string;
    auditAction: string;
    auditDetails: Record<string, unknown>;
    requestId: string | undefined;
  },
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, id);
    if (!current) return;
    assertWaitingOn(current, expected);
    const ours = current.resolving_by === actorId;
    const updated = await updatePendingAction(trx, id, {
      details: { ...withNote(current.details, input.note), ...input.patch },
      ...NO_INTENT,
      ...(ours ? { resolving_note: input.resolvingNote } : {}),
    });
    await publishChange(
      trx,
      deps,
      updated,
      { kind: "resolving", by: actorId, note: input.threadNote },
      input.auditAction,
      actorId,
      input.auditDetails,
      input.requestId,
    );
  });
  deps.wakeSender();
}

/**
 * The queued corrected order exists in Peeker: the card follows it, the queue entry and the intent go, in one
 * commit. Used after the POST and by the sweeper (the order found after a crash or a failed commit).
 */
export async function recordQueuedPlaced(
  deps: Pick<ResolveDeps, "db" | "publisher">,
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
