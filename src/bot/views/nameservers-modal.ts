import type { types } from "@slack/bolt";
import type { NameserverGroup } from "../../peeker/types.js";
import { BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../action-ids.js";
import { andMore, channelLink, code, takeWithRest, truncate } from "./format.js";
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

/** Slack's `plain_text_input` takes at most 3000 characters. */
export const MESSAGE_MAX = 3000;

/**
 * The customer-ready message (design §1): every nameserver host, grouped with the domains that use it. Plain
 * text, so an operator can edit it and the customer can copy hosts as they are.
 */
export function nameserverMessage(groups: NameserverGroup[]): string {
  const usable = groups.filter((g) => g.nameservers.length > 0);
  if (usable.length === 0) {
    return "Hello! To finish setting up your email domains, please point them at the nameservers we will send you shortly.";
  }
  const parts = usable.map((group) => {
    const domains = group.domains.length > 0 ? group.domains.join(", ") : "your domains";
    return `For ${domains}:\n${group.nameservers.map((ns) => `  • ${ns}`).join("\n")}`;
  });
  const text = [
    "Hello! To finish setting up your email domains, please replace the nameservers at your domain registrar with these:",
    "",
    parts.join("\n\n"),
    "",
    "The change can take a few hours to be picked up. Reply here if anything is unclear.",
  ].join("\n");
  return truncate(text, MESSAGE_MAX);
}

export interface NameserversModalInput {
  pendingActionId: string;
  domains: string[];
  groups: NameserverGroup[];
  /** The customer's linked channel, if any: the default destination. */
  customerChannel: string | undefined;
  /** What the form comes back with after a late failure. */
  values?: { message?: string; sendTo?: "customer" | "thread" };
  errors?: { message?: string; sendTo?: string };
}

/** Domain names are Peeker's text: escaped, and capped (the whole list is in the message below). */
const DOMAINS_SHOWN = 30;

function domainList(domains: readonly string[]): string {
  if (domains.length === 0) return "the customer's domains";
  const { shown, rest } = takeWithRest(domains, DOMAINS_SHOWN);
  return `${shown.map((d) => code(d, 80)).join(", ")}${rest > 0 ? ` _${andMore(rest)}, all in the message_` : ""}`;
}

export function nameserversModal(input: NameserversModalInput): ModalView {
  const options: types.Option[] = [];
  if (input.customerChannel) {
    options.push({
      text: { type: "mrkdwn", text: `The customer's channel ${channelLink(input.customerChannel)}` },
      value: "customer",
    });
  }
  options.push({
    text: { type: "mrkdwn", text: "This card's thread, for me to forward" },
    value: "thread",
  });
  const chosen = input.values?.sendTo ?? (input.customerChannel ? "customer" : "thread");
  const initial = options.find((o) => o.value === chosen) ?? options[0]!;
  const blocks: KnownBlock[] = [
    mrkdwnSection(
      `The customer must point ${domainList(input.domains)} at Peeker's nameservers. Edit the message if you like.`,
    ),
    {
      type: "input",
      block_id: BLOCK_IDS.message,
      label: plain("Message"),
      element: {
        type: "plain_text_input",
        action_id: INPUT_ACTION_IDS.message,
        multiline: true,
        max_length: MESSAGE_MAX,
        initial_value: truncate(input.values?.message ?? nameserverMessage(input.groups), MESSAGE_MAX),
      },
    },
    ...fieldErrorContext(input.errors?.message),
    {
      type: "input",
      block_id: BLOCK_IDS.sendTo,
      label: plain("Send to"),
      element: {
        type: "radio_buttons",
        action_id: INPUT_ACTION_IDS.sendTo,
        options,
        initial_option: initial,
      },
      ...(input.customerChannel
        ? {}
        : {
            hint: plain("No channel is linked to this customer yet: `/peeker link <usr_id|email> #channel`."),
          }),
    },
    ...fieldErrorContext(input.errors?.sendTo),
    contextLine("The card stays open until Peeker reports the domains connected."),
  ];
  return inputModal({
    callbackId: VIEW_CALLBACK_IDS.nameserversSubmit,
    title: "Send nameservers",
    submit: "Send",
    metadata: metadataOf(input.pendingActionId),
    blocks,
  });
}
