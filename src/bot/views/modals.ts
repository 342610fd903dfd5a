import type { types } from "@slack/bolt";
import { VIEW_CALLBACK_IDS } from "../action-ids.js";
import { cutMrkdwn, ourText, truncate } from "./format.js";

/**
 * Building blocks shared by every modal (pure). Slack limits: title, submit and close 24 characters; private
 * metadata 3000 characters, which carries our pending action id only (design §7).
 */

export type ModalView = types.ModalView;
export type KnownBlock = types.KnownBlock;

const TITLE_MAX = 24;

export interface ModalMetadata {
  /** Our pending action id. */
  id: string;
}

export function metadataOf(id: string): string {
  return JSON.stringify({ id } satisfies ModalMetadata);
}

/** The id a submitted modal carries, or undefined when the metadata is not ours. */
export function parseMetadata(raw: string | undefined): ModalMetadata | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (value && typeof value === "object" && typeof (value as { id?: unknown }).id === "string") {
      const id = (value as { id: string }).id;
      return /^\d{1,18}$/.test(id) ? { id } : undefined;
    }
  } catch {
    // Not ours.
  }
  return undefined;
}

export function plain(text: string, max = 2000): types.PlainTextElement {
  return { type: "plain_text", text: truncate(text, max), emoji: true };
}

/** `text` is mrkdwn built by our code (untrusted pieces already escaped); cut without breaking an entity. */
export function mrkdwnSection(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text: cutMrkdwn(text, 3000) } };
}

export function contextLine(text: string): KnownBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: cutMrkdwn(text, 2000) }] };
}

/** A message modal shows at most this many lines; Slack allows 100 blocks. */
const MESSAGE_LINES_MAX = 20;

/** A modal without inputs: the "Loading…" and "Working…" placeholders and every outcome message. */
export function messageModal(title: string, lines: string[], metadata?: string): ModalView {
  return {
    type: "modal",
    callback_id: VIEW_CALLBACK_IDS.loading,
    title: plain(title, TITLE_MAX),
    close: plain("Close", TITLE_MAX),
    blocks: (lines.length > MESSAGE_LINES_MAX
      ? [...lines.slice(0, MESSAGE_LINES_MAX - 1), `_and ${lines.length - MESSAGE_LINES_MAX + 1} more lines_`]
      : lines
    ).map((line) => mrkdwnSection(line)),
    ...(metadata ? { private_metadata: metadata } : {}),
  };
}

/** Opened within the trigger's 3 seconds, before Peeker has answered (design §1). */
export function loadingModal(title: string): ModalView {
  return messageModal(title, [":hourglass_flowing_sand: Asking Peeker for the latest state…"]);
}

/** Shown when a submit outlives Slack's 3-second answer (design §5); the outcome replaces it. */
export function workingModal(title: string): ModalView {
  return messageModal(title, [
    ":hourglass_flowing_sand: Working… Peeker is taking a moment. This window updates with the outcome; you can close it, the card will show it too.",
  ]);
}

export function inputModal(input: {
  callbackId: string;
  title: string;
  submit: string;
  metadata: string;
  blocks: KnownBlock[];
}): ModalView {
  return {
    type: "modal",
    callback_id: input.callbackId,
    title: plain(input.title, TITLE_MAX),
    submit: plain(input.submit, TITLE_MAX),
    close: plain("Cancel", TITLE_MAX),
    private_metadata: input.metadata,
    blocks: input.blocks,
  };
}

/**
 * An error shown under an input when a form comes back through `views.update` (not `response_action`). The words
 * come from ../error-words.ts, which escapes what Peeker or the user wrote.
 */
export function fieldErrorContext(message: string | undefined): KnownBlock[] {
  return message ? [contextLine(`:warning: ${ourText(message, 1900)}`)] : [];
}
