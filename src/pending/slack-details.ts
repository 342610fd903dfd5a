import type { PersonaInput } from "../peeker/types.js";

/**
 * The part of `pending_actions.details` written by the resolution flows (Slack), as opposed to what a Peeker
 * re-read writes. A re-read replaces its own part and keeps this one, so a note or a queued reorder survives any
 * number of webhook deliveries.
 */

/** Keys a re-read never overwrites. */
export const SLACK_DETAIL_KEYS = ["notes", "newOrderId", "queuedReorder"] as const;

/** The most notes kept; the card shows the last few, the audit log keeps everything. */
const MAX_NOTES = 20;

/**
 * A corrected order, as `POST /orders` takes it, minus the sequencer login: the email and password are never
 * stored; they come from configuration (or a modal) at the moment the order is placed.
 */
export interface ReorderBody {
  user: string;
  bundle_id?: string;
  google_licenses?: number;
  microsoft_licenses?: number;
  google_inboxes_per_domain?: 2 | 3;
  domains: Array<string | { domain: string; forwarding_url?: string }>;
  personas: PersonaInput[];
  forwarding_url?: string;
  sequencer: { provider: string; client_id: number };
}

/** A corrected order waiting for its original to be `cancelled` (design §3, "Reorder and cancellation"). */
export interface QueuedReorder {
  originalOrderId: string;
  body: ReorderBody;
  /**
   * Where the sequencer login came from at submit: `config` is read again when the order is placed; `modal`
   * means it was typed and, never stored, must be asked for again on the card.
   */
  loginFrom: "config" | "modal";
  /** Slack user who submitted the reorder. */
  requestedBy: string;
  /** The original is cancelled and the card waits for someone to enter the sequencer login. */
  needsLogin?: boolean;
}

export interface SlackDetails {
  notes?: string[];
  /** The corrected order placed from this card; while the card is `resolving` it follows that order. */
  newOrderId?: string;
  queuedReorder?: QueuedReorder;
}

export interface SequencerLogin {
  email: string;
  password: string;
}

type Details = Record<string, unknown>;

function asObject(value: unknown): Details {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Details) : {};
}

export function slackDetailsOf(details: unknown): SlackDetails {
  const all = asObject(details);
  const out: SlackDetails = {};
  if (Array.isArray(all.notes)) out.notes = all.notes.filter((n): n is string => typeof n === "string");
  if (typeof all.newOrderId === "string") out.newOrderId = all.newOrderId;
  const queued = asObject(all.queuedReorder);
  if (typeof queued.originalOrderId === "string" && queued.body && typeof queued.body === "object") {
    out.queuedReorder = queued as unknown as QueuedReorder;
  }
  return out;
}

/** The Peeker-derived part of stored details, to compare with a fresh re-read. */
export function peekerDetailsOf(details: unknown): Details {
  const copy = { ...asObject(details) };
  for (const key of SLACK_DETAIL_KEYS) delete copy[key];
  return copy;
}

/** A fresh re-read's details with the Slack-written keys of the stored row kept. */
export function mergeRereadDetails(stored: unknown, observed: object): Details {
  const kept: Details = {};
  const all = asObject(stored);
  for (const key of SLACK_DETAIL_KEYS) if (all[key] !== undefined) kept[key] = all[key];
  return { ...(observed as Details), ...kept };
}

/** New details with `patch` applied; `undefined` values remove keys. */
export function patchDetails(stored: unknown, patch: Partial<Record<keyof SlackDetails, unknown>>): Details {
  const next: Details = { ...asObject(stored) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next;
}

export function withNote(stored: unknown, note: string): Details {
  const notes = [...(slackDetailsOf(stored).notes ?? []), note].slice(-MAX_NOTES);
  return patchDetails(stored, { notes });
}

/**
 * A row whose original order's re-read must not resolve it: it waits for a queued reorder, or follows the
 * corrected order it placed. The outcome that counts is the new order's, not the old one's cancellation.
 */
export function heldByReorder(row: { state: string; details: unknown }): boolean {
  if (row.state !== "resolving") return false;
  const slack = slackDetailsOf(row.details);
  return slack.queuedReorder !== undefined || slack.newOrderId !== undefined;
}
