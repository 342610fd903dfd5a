import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor, waitForIdle } from "../support/e2e.js";
import { buildEvent } from "../support/webhook-sender.js";

describe("webhook to card", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "webhook-to-card" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const cards = () => stack.slack.channelMessages(CHANNEL);
  const cardFor = (key: string) => cards().find((m) => m.metadata?.event_payload.card_key === key);

  it("turns a signed order.action_required into one card with its reason, ids, buttons and metadata", async () => {
    const { order, actions } = stack.sim.control.seedOrder({
      status: "action_required",
      email: "alex@acme.com",
      domains: ["acme-mail.com"],
      personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "http://localhost/sam.jpg" }],
    });
    const event = buildEvent({
      type: "order.action_required",
      data: { id: order.id, status: "action_required" },
    });
    const answer = await stack.sender.send(event);
    expect(answer.status).toBe(200);

    const key = `profile_picture_not_accessible:${order.id}`;
    const card = await waitFor(() => cardFor(key), { what: "the card" });
    expect(card.metadata?.event_type).toBe("peeker_pending_action");
    expect(card.metadata?.event_payload).toMatchObject({
      card_key: key,
      reason: "profile_picture_not_accessible",
    });
    expect(buttonTexts(card.blocks)).toEqual(
      expect.arrayContaining(["Fix picture & reorder…", "Claim", "Refresh"]),
    );
    const text = JSON.stringify(card.blocks);
    expect(text).toContain(order.id);
    expect(text).toContain("alex@acme.com");
    expect(text).toContain("SANDBOX");
    expect(text).toContain("Sam Lee");
    expect(card.text).toContain(order.id);
    const post = stack.slack
      .calls("chat.postMessage")
      .find((c) => c.args.channel === CHANNEL && !c.args.thread_ts);
    expect(String(post?.args.unfurl_links)).toBe("false");
    expect(actions.length).toBeGreaterThan(0);

    const rows = await stack.database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("card_key", "=", key)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.peeker_action_ids).toEqual(actions.map((a) => a.id).sort());
  });

  it("edits the card in place to its resolved variant on completion, with a thread line and audit rows", async () => {
    const { order } = stack.sim.control.seedOrder({ status: "action_required", domains: ["resolve-me.com"] });
    const key = `profile_picture_not_accessible:${order.id}`;
    await stack.sender.send(
      buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } }),
    );
    const card = await waitFor(() => cardFor(key), { what: "the open card" });

    stack.sim.control.resolve("order", order.id);
    stack.sim.control.complete("order", order.id);
    await stack.sender.send(
      buildEvent({ type: "order.completed", data: { id: order.id, status: "completed" } }),
    );

    const resolved = await waitFor(
      () => {
        const now = stack.slack.message(CHANNEL, card.ts);
        return now && JSON.stringify(now.blocks).includes("Resolved") ? now : undefined;
      },
      { what: "the resolved card" },
    );
    expect(buttonTexts(resolved.blocks)).toEqual([]);
    expect(JSON.stringify(resolved.blocks)).not.toContain('"action_id"');
    expect(cards().filter((m) => m.metadata?.event_payload.card_key === key)).toHaveLength(1);
    const replies = await waitFor(
      () => {
        const lines = stack.slack.threadReplies(CHANNEL, card.ts);
        return lines.some((l) => l.text?.startsWith("Resolved by Peeker")) ? lines : undefined;
      },
      { what: "the resolved thread line" },
    );
    expect(replies.every((l) => !l.reply_broadcast)).toBe(true);
    const audit = await stack.database.handle.db
      .selectFrom("audit_log")
      .select(["action", "actor"])
      .where("resource_id", "=", order.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["action.opened", "action.resolved", "event.processed"]),
    );
  });

  it("gives no card to an action Peeker already resolved, only an audit row", async () => {
    const { order } = stack.sim.control.seedOrder({
      status: "action_required",
      domains: ["gone-already.com"],
    });
    stack.sim.control.resolve("order", order.id);
    const event = buildEvent({
      type: "order.action_required",
      data: { id: order.id, status: "action_required" },
    });
    await stack.sender.send(event);
    await waitFor(
      async () =>
        (
          await stack.database.handle.db
            .selectFrom("audit_log")
            .select("action")
            .where("resource_id", "=", order.id)
            .where("action", "=", "event.already_resolved")
            .execute()
        ).length === 1,
      { what: "the audit row" },
    );
    expect(cardFor(`profile_picture_not_accessible:${order.id}`)).toBeUndefined();
  });

  it("delivers the same event 5 times in a row and 50 times at once as one card", async () => {
    const { order } = stack.sim.control.seedOrder({ status: "action_required", domains: ["dupes.com"] });
    const event = buildEvent({
      type: "order.action_required",
      data: { id: order.id, status: "action_required" },
    });
    for (let i = 0; i < 5; i++) expect((await stack.sender.send(event)).status).toBe(200);
    const parallel = await stack.sender.send(event, { duplicate: 49 });
    expect(parallel.deliveries.every((d) => d.status === 200)).toBe(true);

    const other = stack.sim.control.seedOrder({ status: "action_required", domains: ["dupes-parallel.com"] });
    const burst = buildEvent({
      type: "order.action_required",
      data: { id: other.order.id, status: "action_required" },
    });
    const all = await stack.sender.send(burst, { duplicate: 49 });
    expect(all.deliveries).toHaveLength(50);

    const keys = [order.id, other.order.id].map((id) => `profile_picture_not_accessible:${id}`);
    await waitFor(() => keys.every((k) => cardFor(k)), { what: "both cards" });
    // Every delivery processed and the outbox drained: no later duplicate can come any more.
    await waitForIdle(stack.database.handle.db);
    for (const key of keys)
      expect(cards().filter((m) => m.metadata?.event_payload.card_key === key)).toHaveLength(1);
    const events = await stack.database.handle.db
      .selectFrom("webhook_events")
      .select("event_id")
      .where("event_id", "in", [event.id, burst.id])
      .execute();
    expect(events).toHaveLength(2);
  });
});
