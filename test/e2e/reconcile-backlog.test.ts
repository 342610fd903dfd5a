import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnBot } from "../support/bot-process.js";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { seedOpenOrders } from "../support/reconcile.js";
import type { StoredMessage } from "../support/slack-fake/index.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * The backlog guard (design §5) with CARD_BACKLOG_LIMIT=5: a first reconcile (`npm run reconcile`) finds 12
 * actions no webhook reported. Five cards go out, the oldest; one summary names the seven that wait, by reason;
 * as cards resolve, the oldest waiting ones follow and the summary is edited in place.
 */
describe("backlog guard", () => {
  let stack: Stack;
  const messages = () => stack.slack.channelMessages(CHANNEL);
  const cards = () => messages().filter((m) => m.metadata?.event_type === "peeker_pending_action");
  const summaries = () => messages().filter((m) => m.metadata?.event_type === "peeker_backlog_summary");
  const keyOf = (m: StoredMessage) => String(m.metadata?.event_payload.card_key);
  const summaryText = (m: StoredMessage | undefined) => JSON.stringify(m?.blocks ?? []);

  beforeAll(async () => {
    stack = await startStack({ name: "reconcile-backlog", env: { CARD_BACKLOG_LIMIT: "5" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("posts 5 cards and a summary naming the 7 that wait by reason; resolving 2 posts 2 more and edits the summary", async () => {
    // Three generations a minute apart, so "oldest first" is unambiguous.
    const oldest = seedOpenOrders(stack.sim, 5, "first");
    stack.sim.control.advanceTime(60_000);
    const middle = seedOpenOrders(stack.sim, 3, "second");
    stack.sim.control.advanceTime(60_000);
    const newest = seedOpenOrders(stack.sim, 4, "third", "sequencer_login_failed");

    // `npm run reconcile`: one run, then it waits for the cards it queued, prints the counts and exits 0.
    const cli = await spawnBot(stack.env, { command: "reconcile", name: "reconcile-cli" });
    expect(await cli.waitExit(60_000)).toBe(0);
    expect(cli.output()).toMatch(/12 open in Peeker, 12 opened/);
    stack.bots.push(cli);

    await waitFor(() => cards().length === 5 && summaries().length === 1, { what: "5 cards and a summary" });
    expect(cards().map(keyOf).sort()).toEqual([...oldest].sort());
    const summary = summaries()[0];
    expect(summary?.text).toContain("7 pending actions are waiting for a card");
    expect(summaryText(summary)).toContain("Profile picture not accessible: *3*");
    expect(summaryText(summary)).toContain("sequencer_login_failed: *4*");
    const held = await stack.database.handle.db
      .selectFrom("slack_cards as c")
      .innerJoin("pending_actions as p", "p.id", "c.pending_action_id")
      .select("p.card_key")
      .where("c.held", "=", true)
      .execute();
    expect(held.map((h) => h.card_key).sort()).toEqual([...middle, ...newest].sort());

    // Two of the posted actions resolve in Peeker: the two oldest waiting cards take their places.
    for (const key of oldest.slice(0, 2)) {
      const id = key.split(":")[1] ?? "";
      stack.sim.control.complete("order", id);
      await stack.sender.send(buildEvent({ type: "order.completed", data: { id, status: "completed" } }));
    }
    await waitFor(() => cards().length === 7, { what: "2 more cards" });
    const posted = cards().map(keyOf);
    expect(posted.filter((k) => middle.includes(k))).toHaveLength(2);
    expect(posted.filter((k) => newest.includes(k))).toHaveLength(0);
    const edited = await waitFor(
      () => {
        const now = summaries()[0];
        return now?.text?.includes("5 pending actions") ? now : undefined;
      },
      { what: "the summary edited to 5" },
    );
    expect(edited.ts).toBe(summary?.ts);
    expect(summaries()).toHaveLength(1);
    expect(summaryText(edited)).toContain("Profile picture not accessible: *1*");
    expect(summaryText(edited)).toContain("sequencer_login_failed: *4*");
    expect(stack.slack.calls("chat.update").some((c) => c.args.ts === summary?.ts)).toBe(true);
    // Still at most 5 cards of unresolved actions in the channel.
    const resolvedKeys = new Set(oldest.slice(0, 2));
    expect(cards().filter((m) => !resolvedKeys.has(keyOf(m)))).toHaveLength(5);

    // A held action that resolves before its card was ever posted: never posted, and the summary counts it out.
    const heldKey = newest[0] ?? "";
    const actionId = heldKey.split(":")[1] ?? "";
    const order = [...stack.sim.control.state.orderActions.values()].find((a) => a.id === actionId)?.order_id;
    if (!order) throw new Error("no order for the held action");
    stack.sim.control.resolve("order", order);
    await stack.sender.send(
      buildEvent({ type: "order.in_progress", data: { id: order, status: "in_progress" } }),
    );
    await waitFor(() => (summaries()[0]?.text?.includes("4 pending actions") ? true : undefined), {
      what: "the summary edited to 4",
      timeoutMs: 15_000,
    });
    expect(cards().some((m) => keyOf(m) === heldKey)).toBe(false);
    expect(cards()).toHaveLength(7);
  }, 60_000);
});
