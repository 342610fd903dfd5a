import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { rowByKey } from "../support/interactions.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * A card whose chat.postMessage answer was lost (issue #10 item 6): the post did happen, then 300 other messages
 * arrive in the channel before the bot gets to look it up. The lookup walks every message since the attempt
 * (conversations.history `oldest` + cursors), finds the earlier post by its metadata and adopts it: one card.
 */
describe("unknown outcome of a card post in a busy channel", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "unknown-post-lookup" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("finds the lost post behind 300 newer messages and posts the card once", {
    timeout: 90_000,
  }, async () => {
    const { order } = stack.sim.control.seedOrder({ status: "action_required", domains: ["busy-1.com"] });
    const key = `profile_picture_not_accessible:${order.id}`;
    const cards = () =>
      stack.slack.channelMessages(CHANNEL).filter((m) => m.metadata?.event_payload.card_key === key);
    // The post is stored and its answer lost; every lookup fails until the channel has moved on.
    stack.slack.resetAfterPost(1);
    stack.slack.failWith5xx({ methods: ["conversations.history"] });
    const answer = await stack.sender.send(
      buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } }),
    );
    expect(answer.status).toBe(200);
    await waitFor(() => cards().length === 1 && stack.slack.calls("conversations.history").length > 0, {
      timeoutMs: 30_000,
      what: "the lost post stored and a first lookup tried",
    });

    for (let i = 0; i < 300; i++) stack.slack.seedMessage(CHANNEL, { text: `chatter ${i}` });
    const lookupsBefore = stack.slack.calls("conversations.history").length;
    stack.slack.clear5xx();

    // The card row adopts the earlier post: after that it is never posted again.
    const row = await waitFor(
      async () => {
        const found = await rowByKey(stack, key);
        if (!found) return undefined;
        const card = await stack.database.handle.db
          .selectFrom("slack_cards")
          .select(["state", "ts"])
          .where("pending_action_id", "=", found.id)
          .executeTakeFirst();
        return card?.state === "posted" && card.ts ? card : undefined;
      },
      { timeoutMs: 45_000, what: "the card row marked posted" },
    );
    expect(row.ts).toBe(cards()[0]?.ts);
    expect(cards()).toHaveLength(1);
    expect(stack.slack.calls("chat.postMessage").filter((c) => c.args.metadata !== undefined)).toHaveLength(
      1,
    );

    // The lookup was bounded by time and paged: `oldest` set, more than one page (300 newer messages).
    const lookups = stack.slack.calls("conversations.history").slice(lookupsBefore);
    expect(lookups.length).toBeGreaterThan(1);
    expect(lookups.every((c) => typeof c.args.oldest === "string")).toBe(true);
    expect(lookups.some((c) => typeof c.args.cursor === "string")).toBe(true);
  });
});
