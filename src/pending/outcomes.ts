import type { PictureCheckFailure } from "../net/picture-url-check.js";
import type { PeekerError } from "../peeker/errors.js";

/**
 * What the resolution flows answer, as data. The bot turns each into words (src/bot/error-words.ts); the domain
 * never writes sentences for Slack beyond card notes.
 */

/** Why a button or a submit was not carried out at all. */
export type Refusal =
  | { kind: "not_operator" }
  | { kind: "not_found" }
  | { kind: "claimed"; by: string }
  | { kind: "resolving"; by: string; note?: string | undefined }
  | { kind: "resolved"; how?: string | undefined }
  /** Peeker no longer lists the action: the re-check resolved the card, nothing was written to Peeker. */
  | { kind: "no_longer_pending"; how?: string | undefined }
  | { kind: "wrong_reason"; reason: string }
  | { kind: "not_claimed" }
  | { kind: "nothing_queued" };

/** A problem with one input of a modal. */
export type Problem =
  | { kind: "required" }
  | { kind: "not_a_domain"; value: string }
  | { kind: "same_domain"; domain: string }
  | { kind: "premium_needs_microsoft"; provider: string }
  | { kind: "unavailable"; domain: string; reason: "invalid" | "premium" }
  | { kind: "not_usable"; domain: string; provider: string; usableFor: string[] }
  | { kind: "peeker"; error: PeekerError }
  | { kind: "picture"; url: string; failure: PictureCheckFailure }
  | { kind: "needs_cancel"; orderId: string; domains: string[] }
  | { kind: "not_an_email" }
  | { kind: "no_customer_channel" };

/**
 * Inputs the flows know, independent of Block Kit: the bot maps them to block ids. `picture:<index>` is the
 * persona's position in the original order.
 */
export type FieldKey =
  | "replacement"
  | "swapType"
  | "message"
  | "sendTo"
  | "cancelOriginal"
  | "sequencerEmail"
  | "sequencerPassword"
  | `picture:${number}`;

export interface FieldProblem {
  field: FieldKey;
  problem: Problem;
}

export type ResolveOutcome<T> =
  | { kind: "done"; result: T }
  | { kind: "invalid"; problems: FieldProblem[] }
  | { kind: "refused"; refusal: Refusal }
  /** A call failed; unless `changed` or `unknown` says otherwise, nothing was left half done (the lock is released). */
  | {
      kind: "failed";
      error: unknown;
      doing: string;
      /**
       * Set when Peeker did change something before the failure (the recording commit failed, say): the user is
       * told what Peeker did, never "nothing was changed". The card's intent stays for the sweeper to record.
       */
      changed?: string;
      /**
       * Set when Peeker may have done the write (its answer was lost and the look-up found nothing yet): the user
       * is told so, never "nothing was changed", and the card's intent stays for the sweeper to settle.
       */
      unknown?: string;
    };

export function refused<T>(refusal: Refusal): ResolveOutcome<T> {
  return { kind: "refused", refusal };
}

export function invalid<T>(...problems: FieldProblem[]): ResolveOutcome<T> {
  return { kind: "invalid", problems };
}

/**
 * A write whose answer was lost and whose look-up found nothing (yet): Peeker may still have done it, so the lock
 * and the intent stay and the sweeper (src/pending/intent-sweeper.ts) settles the card once this flow has ended.
 */
export function outcomeUnknown<T>(error: unknown, doing: string, unknown: string): ResolveOutcome<T> {
  return { kind: "failed", error, doing, unknown };
}
