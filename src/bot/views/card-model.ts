import type { types } from "@slack/bolt";

/**
 * What a card shows, as plain data. The domain builds it from a pending action; the views render it without
 * I/O or clock reads, so the same model always renders the same card (the outbox compares hashes).
 */
export interface CardModel {
  /** `<reason>:<resource id>` (design §3, "Card metadata"). */
  cardKey: string;
  /** Our pending action id; the only thing a button carries. */
  pendingActionId: string;
  /** Peeker's reason, kept open: an unknown reason is shown as-is. */
  reason: string;
  state: CardState;
  /** The Peeker key is `pk_test_…`. */
  sandbox: boolean;
  customer: { email?: string; userId?: string };
  orderId?: string;
  domainId?: string;
  /** Domain name. */
  domain?: string;
  importId?: string;
  swapId?: string;
  /** Peeker `act_…` ids grouped on this card. */
  peekerActionIds: string[];
  /** Peeker's own message, untrusted text. */
  message?: string;
  /** Failing personas (profile_picture_not_accessible). */
  personas?: PersonaProblem[];
  /** Domain names of an import (update_nameservers). */
  domains?: string[];
  openedAt: Date;
  /** Slack user id of the claimer. */
  claimedBy?: string;
  /** Set while a resolving call is accepted and its outcome is awaited, e.g. "Swap swp_1 in progress". */
  resolving?: { by: string; note: string };
  /** Short lines built by our code; `<@U…>` mentions are kept, anything else is escaped. */
  notes: string[];
  /** The corrected order placed by the reorder flow. */
  newOrderId?: string;
  /** A queued reorder's original is cancelled and its sequencer login (typed once, never stored) is needed again. */
  asksSequencerLogin?: boolean;
  resolved?: ResolvedInfo;
}

export type CardState = "open" | "resolving" | "resolved";

export interface PersonaProblem {
  firstName: string;
  lastName: string;
  pictureUrl: string | null;
}

export interface ResolvedInfo {
  /** A Slack user id, or "system" when Peeker or reconciliation resolved it. */
  by: string;
  /** In words, e.g. "Swap swp_1 completed" or "Resolved outside Slack". */
  how: string;
  at: Date;
}

export const CARD_EVENT_TYPE = "peeker_pending_action";

export interface CardMetadata {
  event_type: typeof CARD_EVENT_TYPE;
  event_payload: { card_key: string; pending_action_id: string; reason: string };
}

export interface RenderedCard {
  /** Notification and screen-reader fallback. */
  text: string;
  blocks: types.KnownBlock[];
  metadata: CardMetadata;
}
