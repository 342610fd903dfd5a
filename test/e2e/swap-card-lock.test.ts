import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { openCard, openedForm, press, radio, rowByKey, submit, text } from "../support/interactions.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * A card opened by a swap in `action_required` (resource kind `swap`), resolved from Slack with a new swap:
 * re-reads of either swap while ours is under way never undo our own lock, and the card follows our swap.
 */
describe("swap card resolved from Slack", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "swap-card-lock" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("stays resolving while our new swap is created / in progress, and resolves when it completes", async () => {
    const { domains } = stack.sim.control.seedOrder({ domains: ["swap-lock.com"], email: "lock@acme.com" });
    const domain = domains[0]!;
    const old = stack.sim.control.seedSwap({ domain_id: domain.id, status: "created" });
    stack.sim.control.requireAction("swap", old.id);
    const key = `replace_domain:${domain.id}`;
    const { row } = await openCard(
      stack,
      { type: "swap.action_required", data: { id: old.id, status: "action_required" } },
      key,
    );
    expect(row.resource_kind).toBe("swap");

    const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.swapSubmit);
    const answer = await submit(stack, {
      view: form,
      values: {
        [BLOCK_IDS.replacementDomain]: { [INPUT_ACTION_IDS.replacementDomain]: text("lock-fresh.com") },
        [BLOCK_IDS.swapType]: { [INPUT_ACTION_IDS.swapType]: radio("standard") },
      },
    });
    expect(answer.status).toBe(200);
    const ours = await waitFor(
      () =>
        [...stack.sim.control.state.swaps.values()].find((s) => s.replacement_domain === "lock-fresh.com"),
      { what: "our swap created in Peeker" },
    );
    const locked = await waitFor(
      async () => {
        const r = await rowByKey(stack, key);
        return r?.swap_id === ours.id ? r : undefined;
      },
      { what: "our swap recorded on the card" },
    );
    expect(locked.state).toBe("resolving");

    // Our swap is under way (no pending action): its event must not resolve or reopen the card.
    const event = buildEvent({ type: "swap.created", data: { id: ours.id, status: ours.status } });
    await stack.sender.send(event);
    await waitFor(
      async () =>
        (
          await stack.database.handle.db
            .selectFrom("webhook_events")
            .select("processed_at")
            .where("event_id", "=", event.id)
            .executeTakeFirst()
        )?.processed_at,
      { what: "our swap's event processed" },
    );
    expect((await rowByKey(stack, key))?.state).toBe("resolving");

    stack.sim.control.complete("swap", ours.id);
    await stack.sender.send(
      buildEvent({ type: "swap.completed", data: { id: ours.id, status: "completed" } }),
    );
    await waitFor(async () => (await rowByKey(stack, key))?.state === "resolved", {
      what: "the card resolved by our completed swap",
    });
  });
});
