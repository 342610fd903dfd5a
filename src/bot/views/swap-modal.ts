import type { types } from "@slack/bolt";
import { BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../action-ids.js";
import { clip, code, truncate } from "./format.js";
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

export interface SwapModalInput {
  pendingActionId: string;
  domain: { id: string; name: string; provider: string | null };
  premiumAllowed: boolean;
  values?: { replacement?: string; type?: string };
  errors?: { replacement?: string; swapType?: string };
}

/** *Swap domain…*: the domain to retire is fixed; premium is offered for Microsoft domains only (design §1). */
export function swapModal(input: SwapModalInput): ModalView {
  const options: types.Option[] = [
    {
      text: { type: "plain_text", text: "Standard" },
      description: { type: "plain_text", text: "The old domain is retired at once (brief sending pause)." },
      value: "standard",
    },
  ];
  if (input.premiumAllowed) {
    options.push({
      text: { type: "plain_text", text: "Premium" },
      description: { type: "plain_text", text: "The old domain stays warm for 14 days beside the new one." },
      value: "premium",
    });
  }
  const initial = options.find((o) => o.value === input.values?.type) ?? options[0]!;
  const provider = input.domain.provider ? ` (${clip(input.domain.provider, 40)})` : "";
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `*Domain to retire*\n${code(input.domain.name, 120)}${provider} · ${code(input.domain.id, 80)}`,
    ),
    {
      type: "input",
      block_id: BLOCK_IDS.replacementDomain,
      label: plain("Replacement domain"),
      element: {
        type: "plain_text_input",
        action_id: INPUT_ACTION_IDS.replacementDomain,
        placeholder: plain("acme-fresh.com"),
        max_length: 253,
        ...(input.values?.replacement ? { initial_value: truncate(input.values.replacement, 253) } : {}),
      },
      hint: plain("A domain Peeker can register, or one the customer already imported."),
    },
    ...fieldErrorContext(input.errors?.replacement),
    {
      type: "input",
      block_id: BLOCK_IDS.swapType,
      label: plain("Swap type"),
      element: {
        type: "radio_buttons",
        action_id: INPUT_ACTION_IDS.swapType,
        options,
        initial_option: initial,
      },
      ...(input.premiumAllowed ? {} : { hint: plain("Premium swaps are for Microsoft domains only.") }),
    },
    ...fieldErrorContext(input.errors?.swapType),
    contextLine("The bot checks the replacement with Peeker first, then asks for the swap once."),
  ];
  return inputModal({
    callbackId: VIEW_CALLBACK_IDS.swapSubmit,
    title: "Swap domain",
    submit: "Swap",
    metadata: metadataOf(input.pendingActionId),
    blocks,
  });
}
