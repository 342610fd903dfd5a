import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { seedOpenOrders } from "../support/reconcile.js";

/**
 * Poll-only mode (design §3: no PEEKER_WEBHOOK_SECRET): reconciliation is the only source. With a reconcile
 * slot every 3 s, an action Peeker opens shows as a card within one interval (plus the run and the post), and
 * its card turns resolved within one interval of Peeker resolving it.
 */
const INTERVAL_MS = 3000;
/** The run itself and the Slack post, on a busy 2-core machine. */
const SLACK_MS = 2500;

describe("poll-only mode", () => {
  let stack: Stack;
  const cardFor = (key: string) =>
    stack.slack.channelMessages(CHANNEL).find((m) => m.metadata?.event_payload.card_key === key);

  beforeAll(async () => {
    stack = await startStack({
      name: "reconcile-poll-only",
      env: { PEEKER_WEBHOOK_SECRET: undefined, RECONCILE_CRON: "*/3 * * * * *" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("shows an action within one cron interval and resolves it within one", async () => {
    // The webhook route is closed: nothing but reconciliation can have found the action.
    const refused = await fetch(`${stack.bots[0]?.url}/peeker/webhooks`, { method: "POST", body: "{}" });
    expect(refused.status).toBe(404);
    expect(stack.env.PEEKER_WEBHOOK_SECRET).toBeUndefined();

    const openedAt = Date.now();
    const [key] = seedOpenOrders(stack.sim, 1, "poll-only");
    if (!key) throw new Error("nothing seeded");
    const card = await waitFor(() => cardFor(key), {
      what: "the card",
      timeoutMs: INTERVAL_MS + SLACK_MS,
      intervalMs: 25,
    });
    expect(Date.now() - openedAt).toBeLessThanOrEqual(INTERVAL_MS + SLACK_MS);
    expect(buttonTexts(card.blocks)).toContain("Claim");

    const resolvedAt = Date.now();
    stack.sim.control.resolve("order", key.split(":")[1] ?? "");
    await waitFor(
      () =>
        JSON.stringify(stack.slack.message(CHANNEL, card.ts)?.blocks).includes("Resolved") ? true : undefined,
      { what: "the resolved card", timeoutMs: INTERVAL_MS + SLACK_MS, intervalMs: 25 },
    );
    expect(Date.now() - resolvedAt).toBeLessThanOrEqual(INTERVAL_MS + SLACK_MS);
    const row = await stack.database.handle.db
      .selectFrom("pending_actions")
      .selectAll()
      .where("card_key", "=", key)
      .executeTakeFirstOrThrow();
    expect(row.resolution).toBe("Resolved outside Slack");
    expect(
      stack.slack.channelMessages(CHANNEL).filter((m) => m.metadata?.event_payload.card_key === key),
    ).toHaveLength(1);
  }, 30_000);
});
