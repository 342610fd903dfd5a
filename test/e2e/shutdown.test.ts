import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHANNEL, WEBHOOK_SECRET, waitFor, waitForIdle } from "../support/e2e.js";
import { useEmbeddedBots } from "../support/embedded-bots.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/**
 * Graceful shutdown (design §3 Operations): SIGTERM in the middle of a webhook burst stops taking work, finishes
 * what is in flight, closes the pools and stops the embedded PostgreSQL within 10 s, exit code 0; after a restart
 * every delivery that was answered 200 is processed (its card appears, once).
 */
describe("SIGTERM during a burst", () => {
  const embedded = useEmbeddedBots("shutdown", {
    // Up to 200 cards: the backlog guard (100 by default) would hold some, and this test is about shutdown.
    CARD_BACKLOG_LIMIT: "1000",
  });
  const embeddedBot = (botName: string) => embedded.start(botName);

  it("exits 0 within 10 s, with PostgreSQL stopped, and processes every accepted delivery after restart", {
    timeout: 120_000,
  }, async () => {
    const bot = await embeddedBot("shutdown");
    const sender = new WebhookSender({ url: `${bot.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] });
    const orders = Array.from(
      { length: 200 },
      (_, i) =>
        embedded.stack.sim.control.seedOrder({ status: "action_required", domains: [`shutdown-${i}.com`] })
          .order.id,
    );
    const accepted: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < orders.length) {
        const id = orders[next++]!;
        const event = buildEvent({ type: "order.action_required", data: { id, status: "action_required" } });
        const answer = await sender.send(event).catch(() => undefined);
        if (answer?.status === 200) accepted.push(id);
      }
    };
    const burst = Promise.all(Array.from({ length: 16 }, worker));

    await waitFor(() => accepted.length >= 40, { what: "40 accepted deliveries" });
    const signalled = Date.now();
    bot.kill("SIGTERM");
    const code = await bot.waitExit(15_000);
    const tookMs = Date.now() - signalled;
    await burst;

    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(bot.output()).toContain('"msg":"stopped"');
    expect(existsSync(path.join(embedded.dataDir, "postgres", "postmaster.pid"))).toBe(false);
    expect(accepted.length).toBeGreaterThanOrEqual(40);

    await embeddedBot("shutdown-restart");
    const keys = accepted.map((id) => `profile_picture_not_accessible:${id}`);
    const counts = () => {
      const all = embedded.stack.slack
        .channelMessages(CHANNEL)
        .map((m) => String(m.metadata?.event_payload.card_key));
      return keys.map((k) => all.filter((a) => a === k).length);
    };
    await waitFor(() => counts().every((n) => n >= 1), {
      timeoutMs: 60_000,
      what: "a card for every accepted delivery",
    });
    // Every accepted delivery processed and the outbox drained: no later duplicate can come any more.
    await waitForIdle({ dataDir: embedded.dataDir });
    expect(counts().every((n) => n === 1)).toBe(true);
  });
});
