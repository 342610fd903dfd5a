import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotProcess } from "../support/bot-process.js";
import { type Stack, waitFor } from "../support/e2e.js";
import { rowByKey, submit } from "../support/interactions.js";
import type { PictureHost } from "../support/picture-host.js";
import {
  CRON,
  customerMessageSent,
  customerMessages,
  INTERVAL_MS,
  nameserversForm,
  nameserversValues,
  rowWhen,
  startFlowStack,
  startNameservers,
  startReorder,
  startReorderWithCancel,
  startSwap,
} from "../support/resolution-crash.js";

/**
 * A bot SIGKILLed while it waits on Peeker, after Peeker did the write (issue #10, design §6): the simulator
 * carries the write out and never answers; the bot dies; a new one settles the card within one reconcile
 * interval to what Peeker says, with no second Peeker write and no customer message sent twice.
 */

describe("resolution flows survive a SIGKILL between Peeker's write and our commit", () => {
  let stack: Stack;
  let pictures: PictureHost;

  beforeAll(async () => {
    ({ stack, pictures } = await startFlowStack("resolve-crash"));
  });
  afterAll(async () => {
    await stack?.stop();
    await pictures?.close();
  });

  /**
   * A bot of its own (index returned), the one a test kills. Each test checks the intent on the card while its
   * victim is still alive and hung on Peeker: once it is dead, the replacements of earlier tests (their reconcile
   * runs sweep intents) may settle the card at any moment, so a check after the kill would race them.
   */
  const startVictim = async (): Promise<number> => {
    await stack.startBot({ RECONCILE_CRON: CRON }, "crash-victim");
    return stack.bots.length - 1;
  };
  const kill = async (index: number) => {
    const bot = stack.bots[index] as BotProcess;
    bot.kill("SIGKILL");
    await bot.waitExit();
  };
  /** The replacement; returns when it is ready (the interval is counted from there). */
  const restart = async () => {
    await stack.startBot({ RECONCILE_CRON: CRON }, "crash-restart");
    return Date.now();
  };

  it("swap: the swap Peeker created is recorded on the card, never created twice", {
    timeout: 90_000,
  }, async () => {
    const victim = await startVictim();
    const flow = await startSwap(stack, victim, "write_then_hang");
    const locked = await rowByKey(stack, flow.key);
    expect(locked).toMatchObject({ state: "resolving", intent_kind: "swap_create" });
    await kill(victim);
    await restart();
    const swapId = flow.swap()!.id;
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => r.swap_id === swapId && r.intent_kind === null,
      INTERVAL_MS,
      "the swap recorded",
    );
    expect(row).toMatchObject({ state: "resolving", resolving_note: `Swap ${swapId} in progress` });
    expect(flow.writes()).toHaveLength(1);
  });

  it("reorder: the corrected order Peeker placed is followed, never placed twice", {
    timeout: 90_000,
  }, async () => {
    const victim = await startVictim();
    const flow = await startReorder(stack, victim, "write_then_hang");
    expect(await rowByKey(stack, flow.key)).toMatchObject({
      state: "resolving",
      intent_kind: "order_create",
    });
    await kill(victim);
    await restart();
    const newOrderId = flow.placed()!.id;
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => (r.details as { newOrderId?: string }).newOrderId === newOrderId && r.intent_kind === null,
      INTERVAL_MS,
      "the corrected order recorded",
    );
    expect(row.state).toBe("resolving");
    expect(flow.writes()).toHaveLength(1);
  });

  it("reorder with cancel: the accepted cancellation queues the corrected order, placed once", {
    timeout: 90_000,
  }, async () => {
    const victim = await startVictim();
    const flow = await startReorderWithCancel(stack, victim, "write_then_hang");
    expect(await rowByKey(stack, flow.key)).toMatchObject({
      state: "resolving",
      intent_kind: "order_cancel",
    });
    await kill(victim);
    await restart();
    await rowWhen(
      stack,
      flow.key,
      (r) => (r.details as { queuedReorder?: unknown }).queuedReorder !== undefined && r.intent_kind === null,
      INTERVAL_MS,
      "the queued reorder recorded",
    );
    expect(flow.cancels()).toHaveLength(1);
    // The grace window ends: the next reconcile places the corrected order, once.
    stack.sim.control.finishCancellation(flow.order.id);
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => typeof (r.details as { newOrderId?: string }).newOrderId === "string",
      2 * INTERVAL_MS,
      "the corrected order placed",
    );
    expect(row.state).toBe("resolving");
    expect(flow.orderPosts()).toHaveLength(1);
    expect(flow.cancels()).toHaveLength(1);
  });

  it("nameservers: a submit killed before its commit reopens the card and the customer is messaged once", {
    timeout: 90_000,
  }, async () => {
    const victim = await startVictim();
    const flow = await startNameservers(stack, victim, 20_000);
    expect(await rowByKey(stack, flow.key)).toMatchObject({ state: "resolving", intent_kind: "lock" });
    await kill(victim);
    await restart();
    stack.sim.control.clearFaults();
    const row = await rowWhen(
      stack,
      flow.key,
      (r) => r.state === "open" && r.intent_kind === null,
      INTERVAL_MS,
      "the card open again",
    );
    expect(JSON.stringify(row.details)).toContain("The submit stopped before anything was sent");
    expect(customerMessages(stack)).toEqual([]);
    // Submitted again: the message goes out once.
    const form = await nameserversForm(stack, row.id, stack.bots.length - 1);
    await submit(stack, { view: form, values: nameserversValues(flow.message), bot: stack.bots.length - 1 });
    await waitFor(() => customerMessages(stack).length > 0, { what: "the customer message" });
    await customerMessageSent(stack, row.id);
    expect(customerMessages(stack).filter((t) => t === flow.message)).toHaveLength(1);
  });
});
