/**
 * Driving the bot's buttons and modals end to end, as Slack does: signed `block_actions` and `view_submission`
 * payloads to `/slack/events`, and the modals the bot opened read back from the Slack fake.
 */
import type { PendingActionRow } from "../../src/db/schema.js";
import { CHANNEL, type Stack, waitFor } from "./e2e.js";
import type { StoredMessage, StoredView } from "./slack-fake/index.js";
import {
  type BotResponse,
  buildBlockActions,
  buildViewSubmission,
  interactionBody,
  nextTriggerId,
  postSigned,
} from "./slack-signing.js";
import { buildEvent } from "./webhook-sender.js";

export const OPERATOR = "U0OPERATOR";
export const OPERATOR_2 = "U0OPERATOR2";

export function signingSecret(stack: Stack): string {
  return stack.env.SLACK_SIGNING_SECRET ?? "";
}

export function eventsUrl(stack: Stack, bot = 0): string {
  return `${stack.bots[bot]!.url}/slack/events`;
}

/** Presses a card button; returns the HTTP answer and the trigger id used. */
export async function press(
  stack: Stack,
  input: { actionId: string; pendingActionId: string; userId?: string; triggerId?: string; bot?: number },
): Promise<{ response: BotResponse; triggerId: string }> {
  const triggerId = input.triggerId ?? nextTriggerId();
  const payload = buildBlockActions({
    actionId: input.actionId,
    value: input.pendingActionId,
    userId: input.userId ?? OPERATOR,
    channelId: CHANNEL,
    triggerId,
  });
  const response = await postSigned(
    eventsUrl(stack, input.bot),
    interactionBody(payload),
    signingSecret(stack),
  );
  return { response, triggerId };
}

/** The modal opened with `triggerId`, once the bot replaced its loading view with `callbackId`'s form. */
export async function openedForm(stack: Stack, triggerId: string, callbackId: string): Promise<StoredView> {
  return waitFor(
    () => {
      const view = stack.slack.views().find((v) => v.triggerId === triggerId);
      return view && view.view.callback_id === callbackId ? view : undefined;
    },
    { what: `the ${callbackId} form` },
  );
}

/** The modal opened with `triggerId` once it shows something other than the loading view. */
export async function settledModal(stack: Stack, triggerId: string): Promise<StoredView> {
  return waitFor(
    () => {
      const view = stack.slack.views().find((v) => v.triggerId === triggerId);
      return view && view.history.length > 1 ? view : undefined;
    },
    { what: "the modal after loading" },
  );
}

export async function submit(
  stack: Stack,
  input: {
    view: StoredView;
    values: Record<string, Record<string, Record<string, unknown>>>;
    userId?: string;
    bot?: number;
  },
): Promise<BotResponse> {
  const payload = buildViewSubmission({
    callbackId: String(input.view.view.callback_id),
    privateMetadata: String(input.view.view.private_metadata ?? ""),
    viewId: input.view.id,
    hash: input.view.hash,
    values: input.values,
    userId: input.userId ?? OPERATOR,
  });
  return postSigned(eventsUrl(stack, input.bot), interactionBody(payload), signingSecret(stack));
}

export function viewText(view: unknown): string {
  return JSON.stringify(view);
}

export async function rowByKey(stack: Stack, cardKey: string): Promise<PendingActionRow | undefined> {
  return stack.database.handle.db
    .selectFrom("pending_actions")
    .selectAll()
    .where("card_key", "=", cardKey)
    .executeTakeFirst();
}

/** The card's row once it is open again with no intent left (the sweeper settled a write it could not confirm). */
export function rowOpenAgain(stack: Stack, cardKey: string): Promise<PendingActionRow> {
  return waitFor(
    async () => {
      const row = await rowByKey(stack, cardKey);
      return row?.state === "open" && row.intent_kind === null ? row : undefined;
    },
    { what: `${cardKey} open again` },
  );
}

export function cardOf(stack: Stack, cardKey: string): StoredMessage | undefined {
  return stack.slack.channelMessages(CHANNEL).find((m) => m.metadata?.event_payload.card_key === cardKey);
}

/** Sends the webhook and waits until the card is posted; returns its row. */
export async function openCard(
  stack: Stack,
  event: { type: string; data: Record<string, unknown> },
  cardKey: string,
): Promise<{ row: PendingActionRow; card: StoredMessage }> {
  const answer = await stack.sender.send(buildEvent(event));
  if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
  const card = await waitFor(() => cardOf(stack, cardKey), { what: `the card ${cardKey}` });
  const row = await waitFor(() => rowByKey(stack, cardKey), { what: `the row ${cardKey}` });
  return { row, card };
}

/** Waits until the posted card's blocks contain `text`. */
export async function cardShowing(stack: Stack, cardKey: string, text: string, timeoutMs = 15_000) {
  return waitFor(
    () => {
      const card = cardOf(stack, cardKey);
      return card && JSON.stringify(card.blocks).includes(text) ? card : undefined;
    },
    { what: `the card ${cardKey} showing "${text}"`, timeoutMs },
  );
}

export function ephemeralsFor(stack: Stack, userId: string): string[] {
  return stack.slack
    .ephemerals()
    .filter((e) => e.user === userId)
    .map((e) => e.text ?? "");
}

export async function ephemeralContaining(stack: Stack, userId: string, text: string): Promise<string> {
  return waitFor(() => ephemeralsFor(stack, userId).find((t) => t.includes(text)), {
    what: `an ephemeral to ${userId} containing "${text}"`,
  });
}

export async function auditRows(stack: Stack, pendingActionId: string) {
  return stack.database.handle.db
    .selectFrom("audit_log")
    .selectAll()
    .where("pending_action_id", "=", pendingActionId)
    .orderBy("id")
    .execute();
}

export function threadTexts(stack: Stack, card: StoredMessage): string[] {
  return stack.slack.threadReplies(CHANNEL, card.ts).map((m) => m.text ?? "");
}

export const text = (value: string | null) => ({ type: "plain_text_input", value });
export const url = (value: string | null) => ({ type: "url_text_input", value });
export const email = (value: string | null) => ({ type: "email_text_input", value });
export const radio = (value: string) => ({
  type: "radio_buttons",
  selected_option: { value, text: { type: "plain_text", text: value } },
});
export const checkboxes = (values: string[]) => ({
  type: "checkboxes",
  selected_options: values.map((value) => ({ value, text: { type: "plain_text", text: value } })),
});
