import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor, waitForIdle } from "../support/e2e.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/** Slack rate-limited or down: nothing lost, nothing twice, no call to a channel before its Retry-After. */
describe("Slack limits and outages", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "slack-limits" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const newActions = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => {
      const { order } = stack.sim.control.seedOrder({
        status: "action_required",
        domains: [`${prefix}-${i}.com`],
      });
      return {
        key: `profile_picture_not_accessible:${order.id}`,
        event: buildEvent({
          type: "order.action_required",
          data: { id: order.id, status: "action_required" },
        }),
      };
    });

  const cardCounts = (keys: string[]) => {
    const wanted = new Set(keys);
    const counts = new Map<string, number>();
    for (const m of stack.slack.channelMessages(CHANNEL)) {
      const key = String(m.metadata?.event_payload.card_key);
      if (wanted.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  /** Every call to the channel after a 429 came no sooner than its Retry-After. */
  const assertRetryAfterHonoured = () => {
    const calls = stack.slack
      .calls()
      .filter(
        (c) => (c.method === "chat.postMessage" || c.method === "chat.update") && c.args.channel === CHANNEL,
      );
    let limited = 0;
    calls.forEach((call, i) => {
      if (call.status !== 429) return;
      limited++;
      const retryAfterMs = 1000; // the fixed Retry-After this test configures
      const next = calls[i + 1];
      if (next) expect(next.at - call.at).toBeGreaterThanOrEqual(retryAfterMs - 5);
    });
    return limited;
  };

  it("posts 20 cards under a 1 msg/s limit, none twice, waiting out every Retry-After; two bots share the work", {
    timeout: 120_000,
  }, async () => {
    stack.slack.rateLimit({ channel: CHANNEL, perSecond: 1, retryAfterSeconds: 1 });
    const second = await stack.startBot({}, "slack-limits-2");
    const toSecond = new WebhookSender({
      url: `${second.url}/peeker/webhooks`,
      secrets: [stack.env.PEEKER_WEBHOOK_SECRET!],
    });
    const actions = newActions(20, "paced");
    await Promise.all(actions.map((a, i) => (i % 2 === 0 ? stack.sender : toSecond).send(a.event)));
    const keys = actions.map((a) => a.key);
    await waitFor(() => cardCounts(keys).size === 20, { timeoutMs: 90_000, what: "20 cards" });
    // Inbox processed, outbox drained, no lease held: no card can be posted twice any more.
    await waitForIdle(stack.database.handle.db);
    expect([...cardCounts(keys).values()].every((n) => n === 1)).toBe(true);
    const limited = assertRetryAfterHonoured();
    // The sender slows to Slack's pace after the first 429 instead of hammering the channel.
    expect(limited).toBeLessThan(5);
    stack.slack.clearRateLimit(CHANNEL);
  });

  it("posts every card once after Slack answered 5xx for 30 s", { timeout: 120_000 }, async () => {
    stack.slack.failWith5xx({ forMs: 30_000 });
    const actions = newActions(5, "outage");
    for (const a of actions) expect((await stack.sender.send(a.event)).status).toBe(200);
    const keys = actions.map((a) => a.key);
    await waitFor(() => cardCounts(keys).size === 5, { timeoutMs: 80_000, what: "5 cards after the outage" });
    // Inbox processed, outbox drained, no lease held: no card can be posted twice any more.
    await waitForIdle(stack.database.handle.db);
    expect([...cardCounts(keys).values()]).toEqual([1, 1, 1, 1, 1]);
    const failed = stack.slack
      .calls("chat.postMessage")
      .filter((c) => c.status !== undefined && c.status >= 500);
    expect(failed.length).toBeGreaterThan(0);
  });

  it("looks up a post whose answer was lost instead of posting it again", async () => {
    stack.slack.resetAfterPost(1);
    const [action] = newActions(1, "lost-answer");
    await stack.sender.send(action!.event);
    await waitFor(() => stack.slack.calls("conversations.history").length > 0, {
      what: "the metadata lookup",
    });
    await waitForIdle(stack.database.handle.db);
    expect(cardCounts([action!.key]).get(action!.key)).toBe(1);
  });
});
