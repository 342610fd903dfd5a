import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type BotProcess, botEnv, spawnBot } from "./bot-process.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { type PeekerSim, startPeekerSim } from "./peeker-sim/server.js";
import { SIM_KEYS } from "./peeker-sim/state.js";
import { type SlackFake, startSlackFake } from "./slack-fake/index.js";
import { WebhookSender } from "./webhook-sender.js";

export { waitFor, waitForIdle } from "./wait.js";

/**
 * The end-to-end stack: real bot processes, the Peeker simulator, the Slack fake and a database of the test
 * file's own, all on loopback. Every secret given to the bots is a canary that `stop()` looks for in their logs.
 */

export const CHANNEL = "C0SUPPORT01";
export const WEBHOOK_SECRET = "whsec_canary_webhook_secret";

export interface Stack {
  sim: PeekerSim;
  slack: SlackFake;
  database: TestDatabase;
  bots: BotProcess[];
  env: Record<string, string | undefined>;
  /** Signs and sends to the first bot's webhook route. */
  sender: WebhookSender;
  startBot(overrides?: Record<string, string | undefined>, name?: string): Promise<BotProcess>;
  stop(): Promise<void>;
}

export async function startStack(
  options: {
    env?: Record<string, string | undefined>;
    name?: string;
    /** The bots' entry point; default `src/main.ts`. */
    script?: string;
  } = {},
) {
  const [sim, slack, database] = await Promise.all([
    startPeekerSim(),
    startSlackFake(),
    createTestDatabase(),
  ]);
  const env = botEnv({
    SLACK_API_URL: slack.apiUrl,
    PEEKER_API_URL: sim.url,
    PEEKER_API_KEY: SIM_KEYS.full,
    DATABASE_URL: database.url,
    SLACK_CHANNEL_ID: CHANNEL,
    PEEKER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...options.env,
  });
  const bots: BotProcess[] = [];
  const startBot = async (
    overrides: Record<string, string | undefined> = {},
    name = options.name ?? "e2e",
  ) => {
    const bot = await spawnBot(
      { ...env, ...overrides },
      { name, ...(options.script ? { script: options.script } : {}) },
    );
    bots.push(bot);
    await bot.waitReady();
    return bot;
  };
  const first = await startBot();
  const stack: Stack = {
    sim,
    slack,
    database,
    bots,
    env,
    sender: new WebhookSender({ url: `${first.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] }),
    startBot,
    async stop() {
      for (const bot of bots) {
        if (bot.child.exitCode === null && bot.child.signalCode === null) {
          bot.kill("SIGTERM");
          await bot.waitExit().catch(() => bot.kill("SIGKILL"));
        }
      }
      await Promise.all([sim.close(), slack.close(), database.drop()]);
      assertNoSecretsLogged(bots, env);
    },
  };
  return stack;
}

/** Secrets never reach a log line (design §6): every canary the bots were given is absent from their logs. */
export function assertNoSecretsLogged(bots: BotProcess[], env: Record<string, string | undefined>): void {
  const secrets = [
    env.SLACK_BOT_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.SLACK_APP_TOKEN,
    env.PEEKER_API_KEY,
    env.PEEKER_SEQUENCER_LOGIN_PASSWORD,
    ...(env.PEEKER_WEBHOOK_SECRET ?? "").split(","),
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
  for (const bot of bots) {
    const log = readFileSync(bot.logFile, "utf8");
    for (const secret of secrets)
      expect(log.includes(secret), `${bot.logFile} contains a secret`).toBe(false);
  }
}

/** Every interactive element's text in a message's blocks (buttons), to assert on what users can press. */
export function buttonTexts(blocks: unknown[] | undefined): string[] {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      if (obj.type === "button" && obj.text && typeof obj.text === "object") {
        texts.push(String((obj.text as { text: unknown }).text));
      }
      Object.values(obj).forEach(walk);
    }
  };
  walk(blocks);
  return texts;
}
