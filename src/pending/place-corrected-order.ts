import { isPeekerError, type PeekerError } from "../peeker/errors.js";
import { type IntentKind, recordIntent } from "./intents.js";
import { type FieldProblem, invalid, outcomeUnknown, type ResolveOutcome } from "./outcomes.js";
import { type TypedLogin, withLogin } from "./reorder-body.js";
import {
  acceptPlaced,
  acceptQueued,
  cancellationAccepted,
  lookUpCorrectedOrder,
} from "./reorder-outcomes.js";
import { type Actor, INTERACTIVE, type ResolveDeps } from "./resolution.js";
import { releaseWith } from "./resolution-lock.js";
import type { QueuedReorder, ReorderBody, SequencerLogin } from "./slack-details.js";

/**
 * Steps 4 and 5 of *Fix picture & reorder…* (src/pending/resolve-reorder.ts), with the lock held: the Peeker
 * writes, each recorded as an intent first and sent at most once, then the card (src/pending/reorder-outcomes.ts).
 * `POST /orders` places the corrected order; when Peeker answers `domain_already_in_active_order` and the form
 * asked for it, `POST /orders/{id}/cancel` cancels the original and the corrected order is queued until the
 * cancellation completes (src/pending/queued-reorders.ts). Its own file because this is where crash safety lives:
 * every exit keeps the lock (Peeker took the write, or may have) or releases it (Peeker surely did not).
 */

export type ReorderResult =
  | { kind: "placed"; newOrderId: string }
  | { kind: "queued"; originalOrderId: string };

/** Everything the writes need, checked and read by the steps before. */
export interface CorrectedOrder {
  /** The pending action whose card is locked. */
  id: string;
  originalOrderId: string;
  /** The corrected order as it may be stored: without the sequencer login. */
  body: ReorderBody;
  login: { value: SequencerLogin; typed: boolean };
  /** The personas the form fixed: Peeker's errors naming one of them are field errors. */
  indexes: number[];
  /** "Cancel the original order first" was ticked. */
  cancelOriginal: boolean;
  /** The login fields the modal asked for, where Peeker's errors about the login are shown. */
  typedLogin: TypedLogin;
}

type OrderAnswer =
  | { kind: "placed"; id: string; requestId: string | undefined }
  | { kind: "refused"; error: PeekerError }
  | { kind: "unknown"; outcome: ResolveOutcome<ReorderResult> };

export async function placeCorrectedOrder(
  deps: ResolveDeps,
  actor: Actor,
  order: CorrectedOrder,
): Promise<ResolveOutcome<ReorderResult>> {
  try {
    // The intent first (the body without its login): a crash from here on is looked up, never forgotten.
    await recordReorderIntent(deps, actor, order.id, "order_create", {
      original_order_id: order.originalOrderId,
      body: order.body,
    });
  } catch (error) {
    return releaseWith(
      deps,
      actor,
      { kind: "failed", error, doing: "recording the reorder" },
      "intent not recorded",
    );
  }
  const answer = await createOrderOnce(deps, order);
  if (answer.kind === "unknown") return answer.outcome;
  if (answer.kind === "placed") {
    // Peeker placed the order, so a failed commit must never release the card.
    try {
      await acceptPlaced(deps, actor.userId, order.id, answer.id, answer.requestId);
    } catch (error) {
      return {
        kind: "failed",
        error,
        doing: "recording the corrected order",
        changed: `Peeker placed the corrected order ${answer.id}`,
      };
    }
    return { kind: "done", result: { kind: "placed", newOrderId: answer.id } };
  }
  const error = answer.error;
  if (error.code === "domain_already_in_active_order")
    return cancelOriginalThenQueue(deps, actor, order, error);
  const problem = orderErrorProblem(error, order.indexes, order.typedLogin);
  return releaseWith(
    deps,
    actor,
    problem ? invalid(problem) : { kind: "failed", error, doing: "placing the corrected order" },
    error.code,
  );
}

function recordReorderIntent(
  deps: ResolveDeps,
  actor: Actor,
  id: string,
  kind: Extract<IntentKind, "order_create" | "order_cancel">,
  payload: Record<string, unknown>,
): Promise<unknown> {
  return recordIntent(deps.db, { id, userId: actor.userId, kind, payload, now: deps.clock.now() });
}

/** `POST /orders` once, with the login assembled at the last moment; a lost answer is looked up, not repeated. */
async function createOrderOnce(deps: ResolveDeps, order: CorrectedOrder): Promise<OrderAnswer> {
  try {
    const answer = await deps.peeker.createOrder(withLogin(order.body, order.login.value), INTERACTIVE);
    return { kind: "placed", id: answer.data.id, requestId: answer.requestId };
  } catch (error) {
    if (isPeekerError(error) && error.isClientError) return { kind: "refused", error };
    // Unknown outcome: Peeker may have placed it. Look it up rather than call the reorder failed.
    const found = await lookUpCorrectedOrder(
      deps.peeker,
      order.body,
      order.originalOrderId,
      deps.clock.now(),
    ).catch(() => undefined);
    // Not found (yet): the lock and the intent stay for the sweeper, which looks again after this flow.
    if (!found) {
      const outcome = outcomeUnknown<ReorderResult>(
        error,
        "placing the corrected order",
        "the corrected order may have been placed",
      );
      return { kind: "unknown", outcome };
    }
    return { kind: "placed", id: found.id, requestId: found.requestId };
  }
}

/**
 * The original still holds the domains: with "Cancel the original order first" ticked, the cancellation is the
 * write (intent first) and the corrected order waits for it, queued without its login; otherwise a field error.
 */
async function cancelOriginalThenQueue(
  deps: ResolveDeps,
  actor: Actor,
  order: CorrectedOrder,
  error: PeekerError,
): Promise<ResolveOutcome<ReorderResult>> {
  const orderId = order.originalOrderId;
  if (!order.cancelOriginal) {
    const domains = Array.isArray(error.details?.domains) ? (error.details.domains as string[]) : [];
    return releaseWith(
      deps,
      actor,
      invalid({ field: "cancelOriginal", problem: { kind: "needs_cancel", orderId, domains } }),
      "domains held",
    );
  }
  const queued: QueuedReorder = {
    originalOrderId: orderId,
    body: order.body,
    loginFrom: order.login.typed ? "modal" : "config",
    requestedBy: actor.userId,
  };
  try {
    await recordReorderIntent(deps, actor, order.id, "order_cancel", { original_order_id: orderId, queued });
  } catch (intentError) {
    return releaseWith(
      deps,
      actor,
      { kind: "failed", error: intentError, doing: "recording the cancellation" },
      "intent not recorded",
    );
  }
  const cancelled = await cancelOnce(deps, actor, orderId);
  if ("outcome" in cancelled) return cancelled.outcome;
  try {
    await acceptQueued(deps, actor.userId, order.id, queued, cancelled.requestId);
  } catch (recordError) {
    return {
      kind: "failed",
      error: recordError,
      doing: "recording the queued reorder",
      changed: `Peeker accepted the cancellation of ${orderId}`,
    };
  }
  return { kind: "done", result: { kind: "queued", originalOrderId: orderId } };
}

/** `POST /orders/{id}/cancel` once; a lost answer is looked up with `GET /orders/{id}`, not repeated. */
async function cancelOnce(
  deps: ResolveDeps,
  actor: Actor,
  orderId: string,
): Promise<{ requestId: string | undefined } | { outcome: ResolveOutcome<ReorderResult> }> {
  try {
    return { requestId: (await deps.peeker.cancelOrder(orderId, undefined, INTERACTIVE)).requestId };
  } catch (cancelError) {
    // A cancel whose answer was lost (timeout, 5xx) may have been accepted: look before saying it failed,
    // or the original would be cancelled with no corrected order ever placed.
    if (isPeekerError(cancelError) && cancelError.isClientError) {
      const outcome = await releaseWith<ReorderResult>(
        deps,
        actor,
        { kind: "failed", error: cancelError, doing: "cancelling the original order" },
        "cancel failed",
      );
      return { outcome };
    }
    const accepted = await cancellationAccepted(deps.peeker, orderId).catch(() => undefined);
    // Not seen (yet): the intent stays for the sweeper, which looks again after this flow.
    if (!accepted) {
      return {
        outcome: outcomeUnknown(
          cancelError,
          "cancelling the original order",
          `the cancellation of ${orderId} may have been accepted`,
        ),
      };
    }
    return { requestId: accepted.requestId };
  }
}

/** Peeker's refusals of `POST /orders` as field errors, where the form has the field; undefined otherwise. */
function orderErrorProblem(
  error: PeekerError,
  indexes: number[],
  typed: TypedLogin,
): FieldProblem | undefined {
  const problem = { kind: "peeker" as const, error };
  const picture = /^personas\[(\d+)\]/.exec(error.field ?? "");
  if (picture) {
    const index = Number(picture[1]);
    return indexes.includes(index) ? { field: `picture:${index}`, problem } : undefined;
  }
  if (error.field === "sequencer.login_email" && typed.email !== undefined)
    return { field: "sequencerEmail", problem };
  if (error.field === "sequencer.login_password" && typed.password !== undefined) {
    return { field: "sequencerPassword", problem };
  }
  return undefined;
}
