import { type CustomerRef, linkCustomer } from "../../../pending/customer-links.js";
import { errorInWords } from "../../error-words.js";
import { channelLink, clip, code } from "../../views/format.js";
import type { Subcommand } from "./types.js";

/**
 * `/peeker link <usr_id|email> #channel`: where a customer's nameserver messages go. The manifest sets
 * `should_escape`, so Slack sends `<#C…|name>` and `<mailto:a@b|a@b>`; a plain email or `usr_` id works too.
 */
export const linkSubcommand: Subcommand = {
  usage: "link <usr_id|email> #channel",
  summary: "send a customer's nameserver messages to a Slack channel",
  async run(args, invocation, deps) {
    const parsed = parseLinkArgs(args);
    if ("problem" in parsed) return { text: `${parsed.problem} Usage: \`/peeker ${this.usage}\`.` };
    const outcome = await linkCustomer(deps.flows, {
      customer: parsed.customer,
      channel: parsed.channel,
      userId: invocation.userId,
    });
    switch (outcome.kind) {
      case "linked":
        return {
          text: `Linked ${code(outcome.userId, 80)}${outcome.email ? ` (${clip(outcome.email, 120)})` : ""} to ${channelLink(outcome.channel)}: *Send nameservers…* offers that channel from now on.`,
        };
      case "not_operator":
        return { text: "Only Peeker operators can link customers (SLACK_OPERATORS)." };
      case "unknown_customer":
        return {
          text: `No customer with the email ${clip(outcome.email, 120)} is known to Peeker yet; link by \`usr_\` id instead.`,
        };
      case "failed":
        return { text: `Could not link: ${errorInWords(outcome.error)}` };
    }
  },
};

export function parseLinkArgs(
  args: string[],
): { customer: CustomerRef; channel: string } | { problem: string } {
  let channel: string | undefined;
  let customer: CustomerRef | undefined;
  for (const arg of args) {
    const escaped = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(arg);
    if (escaped) {
      channel = escaped[1];
      continue;
    }
    if (/^[CG][A-Z0-9]{6,}$/.test(arg)) {
      channel = arg;
      continue;
    }
    if (/^usr_[A-Za-z0-9]+$/.test(arg)) {
      customer = { kind: "user", userId: arg };
      continue;
    }
    const mailto = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/.exec(arg);
    const email = mailto ? mailto[1] : arg;
    if (email && /^[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+$/.test(email)) {
      customer = { kind: "email", email: email.toLowerCase() };
      continue;
    }
    if (arg.startsWith("#"))
      return { problem: `Mention the channel (${code(arg, 40)}) so Slack sends its id.` };
    return { problem: `I don't understand ${code(arg, 60)}.` };
  }
  if (!customer) return { problem: "Name the customer by `usr_` id or email." };
  if (!channel) return { problem: "Name the channel, for example #acme-support." };
  return { customer, channel };
}
