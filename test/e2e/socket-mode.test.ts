import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotProcess } from "../support/bot-process.js";
import { type Stack, startStack } from "../support/e2e.js";
import { buildSlashCommand } from "../support/slack-signing.js";
import { allText, hookAnswer } from "../support/visibility.js";

const APP_TOKEN = "xapp-1-A0FAKE-canary-app-token";

/**
 * Socket Mode against the Slack fake: apps.connections.open answers a loopback ws:// URL, the bot connects, and a
 * slash command sent over the socket is acked with its answer; the custom routes (health, webhooks) listen on
 * their own port meanwhile.
 */
describe("Socket Mode", () => {
  let stack: Stack;
  let bot: BotProcess;
  beforeAll(async () => {
    stack = await startStack({ name: "socket-mode" });
    stack.slack.enableSocketMode();
    // One socket bot for both paths: a 4 s answer window (inline answers have room on a loaded machine) and a
    // Peeker slower than that (8 s) for the "Working on it…" path.
    bot = await stack.startBot(
      { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: "", SLACK_ANSWER_WINDOW_MS: "4000" },
      "socket-mode-bot",
    );
    await stack.slack.waitForSocket();
  });
  afterAll(async () => {
    await stack?.stop();
    expect(readFileSync(bot.logFile, "utf8")).not.toContain(APP_TOKEN);
  });

  it("opens the connection with the app token and serves the custom routes on PORT", async () => {
    const open = stack.slack.calls("apps.connections.open");
    expect(open.at(-1)?.token).toBe(APP_TOKEN);
    expect(bot.output()).toMatch(/"socketMode":true/);
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
  });

  it("acks a slash command sent over the socket with its answer", async () => {
    const { order } = stack.sim.control.seedOrder({ domains: ["socket-mode.com"] });
    const ack = await stack.slack.sendEnvelope(
      "slash_commands",
      {
        ...buildSlashCommand({
          text: `order ${order.id}`,
          response_url: stack.slack.responseUrl("socket-1"),
        }),
      },
      20_000,
    );
    const payload = ack.payload as { text?: string; blocks?: unknown[]; response_type?: string };
    expect(payload.response_type).toBe("ephemeral");
    expect(allText(payload)).toContain(order.id);
  });

  it("answers through the response_url when Peeker is slow", async () => {
    stack.sim.control.injectFault({
      route: "GET /me",
      times: "always",
      fault: { kind: "latency", ms: 8000 },
    });
    const ack = await stack.slack.sendEnvelope(
      "slash_commands",
      {
        ...buildSlashCommand({ text: "status", response_url: stack.slack.responseUrl("socket-2") }),
      },
      20_000,
    );
    expect((ack.payload as { text?: string }).text).toBe("Working on it…");
    expect(allText(await hookAnswer(stack.slack, "socket-2"))).toContain("Peeker: answering");
    stack.sim.control.clearFaults();
  });
});
