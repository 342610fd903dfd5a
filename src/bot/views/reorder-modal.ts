import type { types } from "@slack/bolt";
import { BLOCK_IDS, INPUT_ACTION_IDS, pictureUrlBlockId, VIEW_CALLBACK_IDS } from "../action-ids.js";
import { andMore, code, truncate } from "./format.js";
import {
  contextLine,
  fieldErrorContext,
  inputModal,
  type KnownBlock,
  type ModalView,
  metadataOf,
  mrkdwnSection,
  plain,
} from "./modals.js";
import { BULK_GROUP, BULK_INPUTS_MAX, bulkBlockId, bulkInput, ONE_BY_ONE } from "./picture-bulk.js";

export interface ReorderModalInput {
  pendingActionId: string;
  orderId: string;
  failing: Array<{ index: number; firstName: string; lastName: string; badUrl: string | null }>;
  askLogin: { email: boolean; password: boolean };
  values?: { urls?: Map<number, string>; cancelOriginal?: boolean };
  errors?: Record<string, string | undefined>;
}

const CANCEL_VALUE = "cancel";

/** Slack limits option text and description to 75 characters: no order id goes in them (ids can be long). */
const CANCEL_DESCRIPTION = "The corrected order is placed once Peeker reports the original cancelled.";

/**
 * *Fix picture & reorder…*: one URL input per failing persona for the first few, then bulk inputs of
 * "<number> <url>" lines (./picture-bulk.ts), the cancel box, and the login when not configured.
 */
export function reorderModal(input: ReorderModalInput): ModalView {
  const one = input.failing.slice(0, ONE_BY_ONE);
  const grouped = input.failing.slice(ONE_BY_ONE, ONE_BY_ONE + BULK_GROUP * BULK_INPUTS_MAX);
  const left = input.failing.length - one.length - grouped.length;
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `Peeker cannot fetch ${input.failing.length === 1 ? "this picture" : `these ${input.failing.length} pictures`}. The bot places a corrected copy of order ${code(input.orderId, 80)} with the new URLs (same customer, sizing, domains and forwarding).`,
    ),
  ];
  for (const persona of one) {
    const blockId = pictureUrlBlockId(persona.index);
    const initial = input.values?.urls?.get(persona.index);
    blocks.push({
      type: "input",
      block_id: blockId,
      label: plain(`New picture URL for ${nameOf(persona)}`),
      element: {
        type: "url_text_input",
        action_id: INPUT_ACTION_IDS.pictureUrl,
        placeholder: plain("https://cdn.example.com/photo.jpg"),
        ...(initial ? { initial_value: initial } : {}),
      },
      hint: plain(
        persona.badUrl
          ? `Now: ${truncate(persona.badUrl, 300)}`
          : "Now: no picture URL. Public https image only.",
      ),
    });
    blocks.push(...fieldErrorContext(input.errors?.[blockId]));
  }
  for (let start = 0; start < grouped.length; start += BULK_GROUP) {
    const group = grouped.slice(start, start + BULK_GROUP).map((p) => ({ index: p.index, name: nameOf(p) }));
    blocks.push(bulkInput(group, input.values?.urls));
    blocks.push(...fieldErrorContext(input.errors?.[bulkBlockId(group)]));
  }
  if (left > 0) {
    blocks.push(
      contextLine(
        `_${andMore(left)} personas: their pictures stay as they are in this order; reorder again for them once it is placed._`,
      ),
    );
  }
  blocks.push(...loginInputs(input.askLogin, input.errors));
  const cancelOption: types.MrkdwnOption = {
    text: { type: "mrkdwn", text: "Cancel the original order first" },
    description: { type: "plain_text", text: CANCEL_DESCRIPTION },
    value: CANCEL_VALUE,
  };
  blocks.push({
    type: "input",
    block_id: BLOCK_IDS.cancelOriginal,
    optional: true,
    label: plain("Cancel the original order first"),
    element: {
      type: "checkboxes",
      action_id: INPUT_ACTION_IDS.cancelOriginal,
      options: [cancelOption],
      ...(input.values?.cancelOriginal ? { initial_options: [cancelOption] } : {}),
    },
  });
  blocks.push(...fieldErrorContext(input.errors?.[BLOCK_IDS.cancelOriginal]));
  blocks.push(
    contextLine("Each URL is checked first: https only, a public host, answering 200 with an image."),
  );
  return inputModal({
    callbackId: VIEW_CALLBACK_IDS.reorderSubmit,
    title: "Fix picture & reorder",
    submit: "Reorder",
    metadata: metadataOf(input.pendingActionId),
    blocks,
  });
}

/** Plain text (labels and hints), so not escaped; cut so a long name leaves room for the rest. */
function nameOf(persona: ReorderModalInput["failing"][number]): string {
  return truncate(`${persona.firstName} ${persona.lastName}`.trim() || `persona ${persona.index + 1}`, 80);
}

/** The sequencer login inputs, when configuration lacks them (the reorder form and the queued reorder's form). */
function loginInputs(
  askLogin: { email: boolean; password: boolean },
  errors: Record<string, string | undefined> | undefined,
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (askLogin.email) {
    blocks.push({
      type: "input",
      block_id: BLOCK_IDS.sequencerEmail,
      label: plain("Sequencer login email"),
      element: { type: "email_text_input", action_id: INPUT_ACTION_IDS.sequencerEmail },
    });
    blocks.push(...fieldErrorContext(errors?.[BLOCK_IDS.sequencerEmail]));
  }
  if (askLogin.password) {
    blocks.push({
      type: "input",
      block_id: BLOCK_IDS.sequencerPassword,
      label: plain("Sequencer login password"),
      element: { type: "plain_text_input", action_id: INPUT_ACTION_IDS.sequencerPassword },
      hint: plain("Sent to Peeker with this order only: never stored or logged."),
    });
    blocks.push(...fieldErrorContext(errors?.[BLOCK_IDS.sequencerPassword]));
  }
  return blocks;
}

export function isCancelTicked(values: string[]): boolean {
  return values.includes(CANCEL_VALUE);
}

export interface ReorderLoginModalInput {
  pendingActionId: string;
  originalOrderId: string;
  askLogin: { email: boolean; password: boolean };
  errors?: Record<string, string | undefined>;
}

/** The card's *Enter sequencer login…*: a queued reorder's login was typed once and never stored. */
export function reorderLoginModal(input: ReorderLoginModalInput): ModalView {
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `${code(input.originalOrderId, 80)} is cancelled. Enter the sequencer login to place the corrected order now.`,
    ),
  ];
  blocks.push(...loginInputs(input.askLogin, input.errors));
  return inputModal({
    callbackId: VIEW_CALLBACK_IDS.reorderCredentialsSubmit,
    title: "Place corrected order",
    submit: "Place order",
    metadata: metadataOf(input.pendingActionId),
    blocks,
  });
}
