import { describe, expect, it } from "vitest";
import type { BotProcess } from "../support/bot-process.js";
import { CHANNEL, WEBHOOK_SECRET, waitFor, waitForIdle } from "../support/e2e.js";
import { useEmbeddedBots } from "../support/embedded-bots.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/**
 * An event answered 2xx is never lost (design §6): the bot, on its embedded database, is SIGKILLed right after 20
 * deliveries were answered 200 — the node process alone, then its whole process group (PostgreSQL too) — and
 * after a restart all 20 become cards within a minute, none twice.
 */
describe("crash recovery", () => {
  const embedded = useEmbeddedBots("crash-recovery");
  const embeddedBot = (botName: string) => embedded.start(botName);

  const burst = async (bot: BotProcess, prefix: string) => {
    const sender = new WebhookSender({ url: `${bot.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] });
    const keys: string[] = [];
    const events = Array.from({ length: 20 }, (_, i) => {
      const { order } = embedded.stack.sim.control.seedOrder({
        status: "action_required",
        domains: [`${prefix}-${i}.com`],
      });
      keys.push(`profile_picture_not_accessible:${order.id}`);
      return buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } });
    });
    const answers = await Promise.all(events.map((e) => sender.send(e)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    return keys;
  };

  const expectEachCardOnce = async (keys: string[]) => {
    const counts = () => {
      const all = embedded.stack.slack
        .channelMessages(CHANNEL)
        .map((m) => String(m.metadata?.event_payload.card_key));
      return keys.map((k) => all.filter((a) => a === k).length);
    };
    await waitFor(() => counts().every((n) => n >= 1), { timeoutMs: 60_000, what: "all 20 cards" });
    // Every delivery processed and the outbox drained: no later duplicate can come any more.
    await waitForIdle({ dataDir: embedded.dataDir });
    expect(counts()).toEqual(Array(20).fill(1));
  };

  it("loses nothing when the node process alone is SIGKILLed (PostgreSQL keeps running)", {
    timeout: 120_000,
  }, async () => {
    const bot = await embeddedBot("crash-node");
    const keys = await burst(bot, "crash-node");
    bot.kill("SIGKILL");
    await bot.waitExit();
    await embeddedBot("crash-node-restart");
    await expectEachCardOnce(keys);
  });

  it("loses nothing when the whole process group is SIGKILLed", { timeout: 120_000 }, async () => {
    const running = embedded.bots.at(-1)!;
    const keys = await burst(running, "crash-group");
    running.killGroup("SIGKILL");
    await running.waitExit();
    await embeddedBot("crash-group-restart");
    await expectEachCardOnce(keys);
  });
});
