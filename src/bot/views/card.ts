import type { types } from "@slack/bolt";
import { ACTION_IDS } from "../action-ids.js";
import { CARD_EVENT_TYPE, type CardMetadata, type CardModel, type RenderedCard } from "./card-model.js";
import {
  andMore,
  clip,
  code,
  formatDuration,
  mention,
  ourText,
  slackDate,
  takeWithRest,
  truncate,
} from "./format.js";
import { primaryActionFor, reasonLabel } from "./reasons.js";

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/**
 * Per-part budgets. Each stays far below Slack's own limit (section 3000, field 2000, header 150) and together they
 * keep a worst-case card near 7k characters, clear of the ~13k total at which Slack answers `msg_blocks_too_long`
 * although every per-field limit holds (bolt-js #2509).
 */
const BUDGET = {
  header: 150,
  field: 200,
  message: 1000,
  personasShown: 8,
  personaName: 60,
  pictureUrl: 120,
  domainsShown: 20,
  domainName: 80,
  notesShown: 5,
  note: 200,
  actionIdsShown: 5,
  idText: 80,
  fallback: 300,
} as const;

/** Renders a pending action's card: the open card with its buttons, or the short resolved summary. */
export function renderCard(model: CardModel): RenderedCard {
  const metadata: CardMetadata = {
    event_type: CARD_EVENT_TYPE,
    event_payload: {
      card_key: model.cardKey,
      pending_action_id: model.pendingActionId,
      reason: model.reason,
    },
  };
  if (model.state === "resolved") {
    return { text: resolvedFallback(model), blocks: resolvedBlocks(model), metadata };
  }
  return { text: openFallback(model), blocks: openBlocks(model), metadata };
}

function openBlocks(model: CardModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header(model, reasonLabel(model.reason)), detailsSection(model)];
  if (model.message?.trim()) blocks.push(messageSection(model.message));
  if (model.personas && model.personas.length > 0) blocks.push(personasSection(model.personas));
  if (model.domains && model.domains.length > 0) blocks.push(domainsSection(model.domains));
  if (model.state === "resolving" && model.resolving) {
    blocks.push(context([`:hourglass_flowing_sand: ${inProgress(model.resolving)}`]));
  }
  if (model.notes.length > 0) blocks.push(notesContext(model.notes));
  blocks.push(idsContext(model));
  blocks.push({ type: "actions", elements: buttons(model) });
  return blocks;
}

function resolvedBlocks(model: CardModel): KnownBlock[] {
  const resolved = model.resolved;
  const lines = [`*Resolved* ${resolvedByWhom(model)}`];
  if (resolved) {
    lines.push(`${slackDate(resolved.at)} · time to resolve ${duration(model)}`);
  }
  const summary = [customerText(model), ...resourceTexts(model), `opened ${slackDate(model.openedAt)}`];
  return [
    header(model, `Resolved: ${reasonLabel(model.reason)}`, ":white_check_mark: "),
    { type: "section", text: { type: "mrkdwn", text: lines.join("\n") } },
    context([summary.filter((part) => part !== "").join(" · ")]),
  ];
}

function header(model: CardModel, title: string, icon = ""): KnownBlock {
  const badge = model.sandbox ? ":test_tube: SANDBOX · " : "";
  return {
    type: "header",
    text: { type: "plain_text", text: truncate(`${icon}${badge}${title}`, BUDGET.header), emoji: true },
  };
}

function detailsSection(model: CardModel): KnownBlock {
  const fields: string[] = [];
  const customer = customerText(model);
  if (customer) fields.push(field("Customer", customer));
  if (model.orderId) fields.push(field("Order", code(model.orderId, BUDGET.idText)));
  const domain = domainText(model);
  if (domain) fields.push(field("Domain", domain));
  if (model.importId) fields.push(field("Import", code(model.importId, BUDGET.idText)));
  if (model.swapId) fields.push(field("Swap", code(model.swapId, BUDGET.idText)));
  if (model.newOrderId) fields.push(field("New order", code(model.newOrderId, BUDGET.idText)));
  fields.push(field("Opened", slackDate(model.openedAt)));
  fields.push(field("Claimed by", model.claimedBy ? mention(model.claimedBy) : "_Nobody yet_"));
  return {
    type: "section",
    fields: fields.slice(0, 10).map((text) => ({ type: "mrkdwn", text })),
  };
}

function field(label: string, value: string): string {
  return `*${label}*\n${value}`;
}

function messageSection(message: string): KnownBlock {
  const quoted = clip(message.trim(), BUDGET.message).replace(/\n/g, "\n>");
  return { type: "section", text: { type: "mrkdwn", text: `*Peeker says*\n>${quoted}` } };
}

function personasSection(personas: NonNullable<CardModel["personas"]>): KnownBlock {
  const { shown, rest } = takeWithRest(personas, BUDGET.personasShown);
  const lines = shown.map((persona) => {
    const name = clip(
      `${persona.firstName} ${persona.lastName}`.trim() || "Unnamed persona",
      BUDGET.personaName,
    );
    const url = persona.pictureUrl ? code(persona.pictureUrl, BUDGET.pictureUrl) : "_no picture URL_";
    return `• ${name}: ${url}`;
  });
  if (rest > 0) lines.push(`_${andMore(rest)}_`);
  const title = `*Pictures Peeker cannot fetch (${personas.length})*`;
  return { type: "section", text: { type: "mrkdwn", text: [title, ...lines].join("\n") } };
}

function domainsSection(domains: readonly string[]): KnownBlock {
  const { shown, rest } = takeWithRest(domains, BUDGET.domainsShown);
  const list = shown.map((domain) => code(domain, BUDGET.domainName)).join(", ");
  const more = rest > 0 ? ` _${andMore(rest)}_` : "";
  const text = `*Domains in this import (${domains.length})*\n${list}${more}`;
  return { type: "section", text: { type: "mrkdwn", text } };
}

function notesContext(notes: readonly string[]): KnownBlock {
  // Newest last, as they happened; the oldest are the ones cut, the latest matter most.
  const rest = Math.max(0, notes.length - BUDGET.notesShown);
  const shown = notes.slice(rest).map((note) => ourText(note, BUDGET.note));
  return context(rest > 0 ? [`_${rest} earlier notes_`, ...shown] : shown);
}

function idsContext(model: CardModel): KnownBlock {
  const parts = [`Key ${code(model.cardKey, BUDGET.idText)}`];
  if (model.peekerActionIds.length > 0) {
    const { shown, rest } = takeWithRest(model.peekerActionIds, BUDGET.actionIdsShown);
    const list = shown.map((id) => code(id, BUDGET.idText)).join(", ");
    parts.push(
      `Peeker ${model.peekerActionIds.length === 1 ? "action" : "actions"} ${list}${rest > 0 ? ` ${andMore(rest)}` : ""}`,
    );
  }
  return context([parts.join(" · ")]);
}

function buttons(model: CardModel): Button[] {
  const out: Button[] = [];
  const primary = primaryActionFor(model.reason);
  if (model.asksSequencerLogin) {
    out.push(
      button(ACTION_IDS.reorderCredentialsOpen, "Enter sequencer login…", model.pendingActionId, "primary"),
    );
  } else if (primary) {
    out.push(button(primary.actionId, primary.text, model.pendingActionId, "primary"));
  }
  out.push(
    model.claimedBy
      ? button(ACTION_IDS.cardUnclaim, "Unclaim", model.pendingActionId)
      : button(ACTION_IDS.cardClaim, "Claim", model.pendingActionId),
  );
  out.push(button(ACTION_IDS.cardRefresh, "Refresh", model.pendingActionId));
  return out;
}

function button(actionId: string, text: string, value: string, style?: "primary"): Button {
  return {
    type: "button",
    action_id: actionId,
    text: { type: "plain_text", text, emoji: true },
    // Ids only: the listener re-reads everything else from the database (design §7).
    value,
    ...(style ? { style } : {}),
  };
}

function context(texts: string[]): KnownBlock {
  return { type: "context", elements: texts.slice(0, 10).map((text) => ({ type: "mrkdwn", text })) };
}

function customerText(model: CardModel): string {
  const parts: string[] = [];
  if (model.customer.email) parts.push(clip(model.customer.email, BUDGET.field / 2));
  if (model.customer.userId) parts.push(code(model.customer.userId, BUDGET.idText));
  return parts.join(" · ");
}

function domainText(model: CardModel): string {
  const parts: string[] = [];
  if (model.domain) parts.push(code(model.domain, BUDGET.domainName));
  if (model.domainId) parts.push(code(model.domainId, BUDGET.idText));
  return parts.join(" · ");
}

function resourceTexts(model: CardModel): string[] {
  const ids: [string, string | undefined][] = [
    ["order", model.orderId],
    ["domain", model.domain ?? model.domainId],
    ["import", model.importId],
    ["swap", model.swapId],
    ["new order", model.newOrderId],
  ];
  return ids.flatMap(([label, id]) => (id ? [`${label} ${code(id, BUDGET.idText)}`] : []));
}

function inProgress(resolving: NonNullable<CardModel["resolving"]>): string {
  return `${clip(resolving.note, BUDGET.note)} (${mention(resolving.by)})`;
}

function resolvedByWhom(model: CardModel): string {
  const resolved = model.resolved;
  if (!resolved) return "";
  const who = resolved.by === "system" ? "automatically" : `by ${mention(resolved.by)}`;
  return `${who}: ${clip(resolved.how, BUDGET.note)}`;
}

function duration(model: CardModel): string {
  return model.resolved ? formatDuration(model.resolved.at.getTime() - model.openedAt.getTime()) : "";
}

/** The most specific resource id, for one-line texts. */
function primaryResource(model: CardModel): string | undefined {
  return model.orderId ?? model.importId ?? model.swapId ?? model.domain ?? model.domainId;
}

function fallbackTail(model: CardModel): string {
  const resource = primaryResource(model);
  const customer = model.customer.email ?? model.customer.userId;
  return `${resource ? ` — ${resource}` : ""}${customer ? ` (${customer})` : ""}`;
}

function openFallback(model: CardModel): string {
  const lead = model.state === "resolving" ? "Being resolved" : "Action needed";
  const badge = model.sandbox ? "[SANDBOX] " : "";
  return clip(`${badge}${lead}: ${reasonLabel(model.reason)}${fallbackTail(model)}`, BUDGET.fallback);
}

function resolvedFallback(model: CardModel): string {
  const badge = model.sandbox ? "[SANDBOX] " : "";
  const resolved = model.resolved;
  const how = resolved ? `, ${resolved.how}` : "";
  const by = resolved && resolved.by !== "system" ? ` by ${mention(resolved.by)}` : "";
  return `${clip(`${badge}Resolved: ${reasonLabel(model.reason)}${fallbackTail(model)}${how}`, BUDGET.fallback)}${by}`;
}
