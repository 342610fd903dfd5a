import type { PendingActionRow, PendingActionUpdate } from "../db/schema.js";
import type { IntentKind } from "./intents.js";
import { peekerDetailsOf } from "./slack-details.js";
import type { ActionDetails, ObservedAction, Snapshot } from "./snapshot.js";

/**
 * What a re-read decides about one tracked action, as pure functions of the row and what Peeker lists now:
 * which fields a re-read writes, whether they changed, whether the row is in the re-read's scope, and how a card
 * waiting on our own swap or write is told apart (src/pending/apply-snapshot.ts applies these).
 */

/** Intents of a Peeker write (a bare `lock` is not one: nothing was sent yet). */
const WRITE_INTENTS: ReadonlySet<string> = new Set([
  "swap_create",
  "order_create",
  "order_cancel",
  "queued_order_create",
] satisfies IntentKind[]);

/** Whether a Peeker write of this card is in flight (its intent is recorded, its outcome not yet). */
export function writeInFlight(row: PendingActionRow): boolean {
  return row.intent_kind !== null && WRITE_INTENTS.has(row.intent_kind);
}

/** The resolving note our swap's recording writes (src/pending/swap-outcomes.ts recordSwapCreated). */
function ourSwapNote(swapId: string): string {
  return `Swap ${swapId} in progress`;
}

/**
 * Whether the swap a resolving card names is the one our submit created, matched exactly by the note its
 * recording wrote. Never by time: Peeker's created_at is on Peeker's clock, and an older swap created "after"
 * our lock by a clock ahead of ours would unlock the card the submit just locked (its own re-check).
 */
export function isOurSwap(row: PendingActionRow, observed: ObservedAction): boolean {
  return !!observed.swapId && row.resolving_note === ourSwapNote(observed.swapId);
}

/**
 * A resolving card to spare when its swap lists no action: one following a swap we created (its create is in
 * flight, or it was recorded). A bare lock is not spared: the action is gone, so the submit must be refused.
 */
export function followsOurSwap(row: PendingActionRow, swapId: string | undefined): boolean {
  if (row.state !== "resolving") return false;
  return row.intent_kind === "swap_create" || (!!swapId && row.resolving_note === ourSwapNote(swapId));
}

/** A resolving card that follows a newer swap than the one this re-read is about. */
export function followsAnotherSwap(row: PendingActionRow, observed: ObservedAction): boolean {
  return row.state === "resolving" && !!row.swap_id && !!observed.swapId && row.swap_id !== observed.swapId;
}

export function inScope(row: PendingActionRow, snapshot: Snapshot): boolean {
  const scope = snapshot.scope;
  if (!scope) return false;
  if (row[scope.column] !== scope.id) return false;
  return !scope.kinds || scope.kinds.includes(row.resource_kind as never);
}

/** The columns a re-read writes from what Peeker lists (`details` as JSON text). */
export function fieldsOf(observed: ObservedAction) {
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
  } satisfies PendingActionUpdate;
}

/** Fields that change what the card shows; a re-read that only confirms the state writes just the timestamps. */
export function changed(row: PendingActionRow, observed: ObservedAction): boolean {
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

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
