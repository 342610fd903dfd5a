import {
  ACTION_IDS,
  BLOCK_IDS,
  INPUT_ACTION_IDS,
  pictureUrlBlockId,
  VIEW_CALLBACK_IDS,
} from "../../src/bot/action-ids.js";
import type { PendingActionRow } from "../../src/db/schema.js";
import { type Stack, startStack, waitFor } from "./e2e.js";
import {
  checkboxes,
  openCard,
  openedForm,
  press,
  radio,
  rowByKey,
  submit,
  text,
  url,
} from "./interactions.js";
import type { RecordedRequest } from "./peeker-sim/control.js";
import { type PictureHost, startPictureHost } from "./picture-host.js";

/**
 * The four resolution flows driven to the moment Peeker has done the write (or the bot waits on Peeker), for
 * the crash and outage tests of issue #10. Each `start…` opens the card, opens the form on bot `bot`, arms the
 * simulator and submits without waiting for the answer; it resolves once the simulator carried the write out.
 */

export const CUSTOMER_CHANNEL = "C0CUSTOMER9";
export const LOGIN_EMAIL = "smartlead-login@partner.example";
export const LOGIN_PASSWORD = "canary-sequencer-password-9";
export const GOOD_URL = "https://cdn.pics.test/sam-new.png";

/** The reconcile interval these tests give their bots (the sweeper runs after each reconcile too). */
export const INTERVAL_MS = 10_000;
export const CRON = "*/10 * * * * *";

/**
 * The stack the flow tests share: bots on the fake network (the reorder's picture check reaches the picture
 * host), the sequencer login from configuration. Stop both when done.
 */
export async function startFlowStack(name: string): Promise<{ stack: Stack; pictures: PictureHost }> {
  const pictures = await startPictureHost();
  const stack = await startStack({
    name,
    script: "test/support/bot-fake-network.ts",
    env: {
      ...pictures.env(),
      PEEKER_SEQUENCER_LOGIN_EMAIL: LOGIN_EMAIL,
      PEEKER_SEQUENCER_LOGIN_PASSWORD: LOGIN_PASSWORD,
    },
  });
  return { stack, pictures };
}

let seq = 0;

export interface Started {
  key: string;
  row: PendingActionRow;
  /** The submit's HTTP answer (rejects when the bot died answering). */
  answer: Promise<unknown>;
  /** The form the submit came from (its later views tell what the user was told). */
  viewId: string;
}

/** Peeker carried `route` out (the answer may never have been sent). */
export function performed(stack: Stack, route: string, match: (r: RecordedRequest) => boolean = () => true) {
  const [method, pattern] = route.split(" ");
  return stack.sim.control
    .requests({ method: method!, route: pattern! })
    .filter(
      (r) =>
        match(r) && (r.performedStatus ?? r.status) !== undefined && (r.performedStatus ?? r.status)! < 300,
    );
}

function submitNow(
  stack: Stack,
  bot: number,
  form: Awaited<ReturnType<typeof openedForm>>,
  values: Parameters<typeof submit>[1]["values"],
) {
  // The bot may die answering: the rejection is expected, and read only by the tests that wait for it.
  const answer = submit(stack, { view: form, values, bot });
  answer.catch(() => undefined);
  return answer;
}

export async function startSwap(stack: Stack, bot: number, fault: "write_then_hang" | "write_then_error") {
  seq++;
  const name = `crash-retire-${seq}.com`;
  const { domains } = stack.sim.control.seedOrder({ domains: [name], email: `crash-swap-${seq}@acme.com` });
  const domain = domains[0]!;
  stack.sim.control.requireAction("domain", domain.id);
  const key = `replace_domain:${domain.id}`;
  const { row } = await openCard(
    stack,
    { type: "domain.action_required", data: { id: domain.id, domain: name, status: "action_required" } },
    key,
  );
  const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id, bot });
  const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.swapSubmit);
  stack.sim.control.injectFault({ route: "POST /swaps", fault: { kind: fault } });
  const replacement = `crash-fresh-${seq}.com`;
  const answer = submitNow(stack, bot, form, {
    [BLOCK_IDS.replacementDomain]: { [INPUT_ACTION_IDS.replacementDomain]: text(replacement) },
    [BLOCK_IDS.swapType]: { [INPUT_ACTION_IDS.swapType]: radio("standard") },
  });
  const writes = () =>
    performed(stack, "POST /swaps", (r) => (r.body as { domain_id?: string }).domain_id === domain.id);
  await waitFor(() => writes().length > 0, { what: "Peeker creating the swap" });
  const swap = () => [...stack.sim.control.state.swaps.values()].find((s) => s.domain_id === domain.id);
  return { key, row, answer, viewId: form.id, domain, replacement, writes, swap };
}

async function pictureCard(stack: Stack, bot: number) {
  seq++;
  const domain = `crash-reorder-${seq}.com`;
  const seeded = stack.sim.control.seedOrder({
    status: "action_required",
    email: `crash-reorder-${seq}@acme.com`,
    domains: [domain],
    personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "http://localhost/p0.jpg" }],
  });
  const key = `profile_picture_not_accessible:${seeded.order.id}`;
  const { row } = await openCard(
    stack,
    { type: "order.action_required", data: { id: seeded.order.id, status: "action_required" } },
    key,
  );
  const { triggerId } = await press(stack, {
    actionId: ACTION_IDS.reorderOpen,
    pendingActionId: row.id,
    bot,
  });
  const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.reorderSubmit);
  return { ...seeded, domain, key, row, form };
}

const pictureValues = (cancel: boolean): Record<string, Record<string, Record<string, unknown>>> => ({
  [pictureUrlBlockId(0)]: { [INPUT_ACTION_IDS.pictureUrl]: url(GOOD_URL) },
  [BLOCK_IDS.cancelOriginal]: { [INPUT_ACTION_IDS.cancelOriginal]: checkboxes(cancel ? ["cancel"] : []) },
});

/** The corrected order placed at once (the original failed and freed its domain). */
export async function startReorder(stack: Stack, bot: number, fault: "write_then_hang" | "write_then_error") {
  const card = await pictureCard(stack, bot);
  stack.sim.control.state.orders.get(card.order.id)!.status = "failed";
  stack.sim.control.injectFault({ route: "POST /orders", fault: { kind: fault } });
  const answer = submitNow(stack, bot, card.form, pictureValues(false));
  const writes = () =>
    performed(stack, "POST /orders", (r) =>
      JSON.stringify((r.body as { domains?: unknown }).domains).includes(card.domain),
    );
  await waitFor(() => writes().length > 0, { what: "Peeker placing the corrected order" });
  const placed = () =>
    [...stack.sim.control.state.orders.values()].find(
      (o) => o.id !== card.order.id && o.user_id === card.order.user_id,
    );
  return { ...card, answer, viewId: card.form.id, writes, placed };
}

/** The original still holds its domain: the bot cancels it and queues the corrected order. */
export async function startReorderWithCancel(
  stack: Stack,
  bot: number,
  fault: "write_then_hang" | "write_then_error",
) {
  const card = await pictureCard(stack, bot);
  const cancelRoute = `POST /orders/${card.order.id}/cancel`;
  stack.sim.control.injectFault({ route: cancelRoute, fault: { kind: fault } });
  const answer = submitNow(stack, bot, card.form, pictureValues(true));
  const cancels = () =>
    stack.sim.control
      .requests({ method: "POST", path: `/orders/${card.order.id}/cancel` })
      .filter((r) => (r.performedStatus ?? r.status ?? 999) < 300);
  await waitFor(() => cancels().length > 0, { what: "Peeker accepting the cancellation" });
  const orderPosts = () =>
    performed(stack, "POST /orders", (r) =>
      JSON.stringify((r.body as { domains?: unknown }).domains).includes(card.domain),
    );
  return { ...card, answer, viewId: card.form.id, cancels, orderPosts };
}

/** A domain card with a linked customer channel; the submit waits on a slow re-check `GET /domains/{id}`. */
export async function startNameservers(stack: Stack, bot: number, holdMs: number) {
  seq++;
  const name = `crash-ns-${seq}.com`;
  const { order, domains } = stack.sim.control.seedOrder({
    domains: [name],
    email: `crash-ns-${seq}@acme.com`,
  });
  const domain = domains[0]!;
  stack.sim.control.requireAction("domain", domain.id, { reason: "update_nameservers" });
  await stack.database.handle.db
    .insertInto("customer_channels")
    .values({ user_id: order.user_id, email: order.email, channel: CUSTOMER_CHANNEL, linked_by: "U0TEST" })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ channel: CUSTOMER_CHANNEL }))
    .execute();
  const key = `update_nameservers:${domain.id}`;
  const { row } = await openCard(
    stack,
    { type: "domain.action_required", data: { id: domain.id, domain: name, status: "action_required" } },
    key,
  );
  const form = await nameserversForm(stack, row.id, bot);
  stack.sim.control.clearRequests();
  stack.sim.control.injectFault({
    route: `GET /domains/${domain.id}`,
    fault: { kind: "latency", ms: holdMs },
  });
  const message = `Please point ${name} at our nameservers (${seq}).`;
  const answer = submitNow(stack, bot, form, nameserversValues(message));
  await waitFor(
    () => stack.sim.control.requests({ method: "GET", path: `/domains/${domain.id}` }).length > 0,
    {
      what: "the re-check reaching Peeker",
    },
  );
  return { key, row, answer, viewId: form.id, domain, message };
}

export async function nameserversForm(stack: Stack, pendingActionId: string, bot: number) {
  const { triggerId } = await press(stack, { actionId: ACTION_IDS.nameserversOpen, pendingActionId, bot });
  return openedForm(stack, triggerId, VIEW_CALLBACK_IDS.nameserversSubmit);
}

export const nameserversValues = (message: string) => ({
  [BLOCK_IDS.message]: { [INPUT_ACTION_IDS.message]: text(message) },
  [BLOCK_IDS.sendTo]: { [INPUT_ACTION_IDS.sendTo]: radio("customer") },
});

/** Messages the customer's channel received. */
export function customerMessages(stack: Stack): string[] {
  return stack.slack.channelMessages(CUSTOMER_CHANNEL).map((m) => m.text ?? "");
}

/** Waits until the card's customer message left the outbox (`sent`). */
export function customerMessageSent(stack: Stack, pendingActionId: string): Promise<boolean> {
  return waitFor(
    async () =>
      (
        await stack.database.handle.db
          .selectFrom("customer_messages")
          .select("state")
          .where("pending_action_id", "=", pendingActionId)
          .execute()
      ).some((m) => m.state === "sent"),
    { what: "the customer message sent" },
  );
}

/** The row once `probe` holds, within `timeoutMs` (one reconcile interval in the tests). */
export function rowWhen(
  stack: Stack,
  key: string,
  probe: (row: PendingActionRow) => boolean,
  timeoutMs: number,
  what: string,
): Promise<PendingActionRow> {
  return waitFor(
    async () => {
      const row = await rowByKey(stack, key);
      return row && probe(row) ? row : undefined;
    },
    { timeoutMs, what },
  );
}
