import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotProcess, spawnBot } from "../support/bot-process.js";
import {
  assertNoSecretsLogged,
  CHANNEL,
  type Stack,
  startStack,
  WEBHOOK_SECRET,
  waitFor,
} from "../support/e2e.js";
import { TcpProxy } from "../support/tcp-proxy.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/**
 * The database unreachable for 10 s (a TCP proxy between this bot and PostgreSQL drops and refuses
 * connections): deliveries get 503 quickly, the process survives, it recovers without a restart, and every
 * delivery answered 200 becomes a card.
 */
describe("database outage", () => {
  let stack: Stack;
  let proxy: TcpProxy;
  let bot: BotProcess;
  beforeAll(async () => {
    stack = await startStack({ name: "database-outage" });
    const target = new URL(stack.database.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    bot = await spawnBot(
      { ...stack.env, DATABASE_URL: proxy.rewrite(stack.database.url) },
      { name: "db-outage" },
    );
    await bot.waitReady();
  });
  afterAll(async () => {
    bot.kill("SIGTERM");
    await bot.waitExit().catch(() => bot.kill("SIGKILL"));
    assertNoSecretsLogged([bot], stack.env);
    await proxy.close();
    await stack?.stop();
  });

  it("answers 503 during the outage, never crashes, and processes every 200 afterwards", {
    timeout: 90_000,
  }, async () => {
    const sender = new WebhookSender({ url: `${bot.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] });
    const accepted: string[] = [];
    const statuses: number[] = [];
    const latencies: number[] = [];
    let i = 0;
    const deliver = async () => {
      const { order } = stack.sim.control.seedOrder({
        status: "action_required",
        domains: [`outage-${i++}.com`],
      });
      const started = Date.now();
      const answer = await sender.send(buildEvent({ type: "order.action_required", data: { id: order.id } }));
      latencies.push(Date.now() - started);
      statuses.push(answer.status);
      if (answer.status === 200) accepted.push(`profile_picture_not_accessible:${order.id}`);
      return answer.status;
    };

    for (let n = 0; n < 3; n++) expect(await deliver()).toBe(200);
    proxy.down();
    const outageEnds = Date.now() + 10_000;
    const during: number[] = [];
    while (Date.now() < outageEnds) {
      during.push(await deliver());
      await new Promise((r) => setTimeout(r, 200));
    }
    proxy.up();
    expect(during.filter((s) => s === 503).length).toBeGreaterThan(during.length / 2);
    expect(during.every((s) => s === 503 || s === 200)).toBe(true);
    expect(Math.max(...latencies)).toBeLessThan(5000);
    expect(bot.child.exitCode).toBeNull();

    await waitFor(async () => (await deliver()) === 200, {
      timeoutMs: 20_000,
      what: "a 200 after the outage",
    });
    for (let n = 0; n < 3; n++) expect(await deliver()).toBe(200);
    await waitFor(
      () => {
        const posted = new Set(
          stack.slack.channelMessages(CHANNEL).map((m) => String(m.metadata?.event_payload.card_key)),
        );
        return accepted.every((k) => posted.has(k));
      },
      { timeoutMs: 30_000, what: "a card for every accepted delivery" },
    );
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
  });
});
