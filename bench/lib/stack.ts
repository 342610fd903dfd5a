import path from "node:path";
import { botEnv } from "../../test/support/bot-process.js";
import { type PeekerSim, startPeekerSim } from "../../test/support/peeker-sim/server.js";
import { SIM_KEYS } from "../../test/support/peeker-sim/state.js";
import { type SlackFake, startSlackFake } from "../../test/support/slack-fake/index.js";
import { signDelivery } from "../../test/support/webhook-sender.js";
import { type BenchDatabase, openBenchDatabase } from "./bench-database.js";
import { type BenchBot, REPO, startBenchBot } from "./bot.js";
import type { PreparedRequest } from "./open-loop.js";

/**
 * One real bot process (`node dist/main.js start`) against the Peeker simulator and the Slack fake (both real
 * HTTP servers in this process) on a scratch database: what bench:drain and bench:soak share. Peeker's limit
 * and the bot's own budget are raised so the bench measures the bot and Slack, not the 600/min cap; cron jobs
 * are off so nothing but the bench's own traffic runs.
 */
export interface BenchStack {
  database: BenchDatabase;
  sim: PeekerSim;
  slack: SlackFake;
  bot: BenchBot;
  close(): Promise<void>;
}

export const BENCH_SECRET = "whsec_bench_secret";

export async function startBenchStack(options: {
  name: string;
  channel: string;
  /** Runs before the bot starts (a rate limit on the fake, a listener on the simulator's events). */
  prepare?: (sim: PeekerSim, slack: SlackFake) => void;
  env?: Record<string, string>;
}): Promise<BenchStack> {
  const database = await openBenchDatabase();
  const sim = await startPeekerSim({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const slack = await startSlackFake();
  options.prepare?.(sim, slack);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const logFile = path.join(REPO, "bench", "results", `${options.name}-${stamp}-bot.log`);
  try {
    const env = botEnv({
      DATABASE_URL: database.url,
      SLACK_BOT_TOKEN: "xoxb-bench-token",
      SLACK_SIGNING_SECRET: "bench-signing-secret",
      SLACK_CHANNEL_ID: options.channel,
      SLACK_API_URL: slack.apiUrl,
      PEEKER_API_KEY: SIM_KEYS.full,
      PEEKER_API_URL: sim.url,
      PEEKER_WEBHOOK_SECRET: BENCH_SECRET,
      PEEKER_REQUESTS_PER_MINUTE: "100000",
      RECONCILE_CRON: "off",
      DIGEST_CRON: "off",
      NUDGE_CRON: "off",
      ...options.env,
    }) as Record<string, string>;
    const bot = await startBenchBot(env, logFile);
    return {
      database,
      sim,
      slack,
      bot,
      async close() {
        await bot.stop();
        await Promise.all([sim.close(), slack.close()]);
        await database.close();
      },
    };
  } catch (error) {
    await Promise.all([sim.close(), slack.close()]);
    await database.close();
    throw error;
  }
}

/** A signed delivery of one event, ready for the open loop (signed now: the skew check allows 300 s). */
export function signedDelivery(event: { id: string; type: string; data: unknown }): PreparedRequest {
  const body = JSON.stringify({ created_at: new Date().toISOString(), ...event });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    path: "/peeker/webhooks",
    body,
    headers: signDelivery(body, { secret: BENCH_SECRET, timestamp, eventId: event.id }),
  };
}
