import { type BotProcess, botEnv, spawnBot } from "../../test/support/bot-process.js";
import { SIM_KEYS } from "../../test/support/peeker-sim/state.js";

/**
 * Two bot processes on one database (design §2: every replica runs the inbox, the sender and the cron), each
 * one `node --import tsx test/support/bot-fake-network.ts start` — the real bot with only the picture check's
 * network injected, so the reorder flow can fetch a "public" picture. A slot can be SIGKILLed and restarted;
 * every process started is kept so its log can be read afterwards.
 */
export interface BotFleet {
  /** The bots answering now (not killed, not starting). */
  live(): BotProcess[];
  /** The same, with each bot's slot number (what `kill` takes). */
  liveSlots(): Array<{ slot: number; bot: BotProcess }>;
  /** Every process ever started, oldest first (for the logs). */
  all(): BotProcess[];
  kills(): KillRecord[];
  /** SIGKILLs the bot in `slot` (if it runs) and starts it again after `restartAfterMs`. */
  kill(slot: number, why: string, restartAfterMs: number): boolean;
  /** Resolves once every slot runs and is ready (restarting any that is down). */
  ensureAllUp(): Promise<void>;
  stop(): Promise<void>;
}

export interface KillRecord {
  at: number;
  slot: number;
  pid: number | undefined;
  why: string;
  logFile: string;
}

interface Slot {
  bot: BotProcess | undefined;
  starting: Promise<void> | undefined;
}

export async function startFleet(env: Record<string, string>, size = 2): Promise<BotFleet> {
  const slots: Slot[] = Array.from({ length: size }, () => ({ bot: undefined, starting: undefined }));
  const started: BotProcess[] = [];
  const killed: KillRecord[] = [];
  let stopping = false;

  const start = (index: number): Promise<void> => {
    const slot = slots[index]!;
    slot.starting ??= (async () => {
      const bot = await spawnBot(env, {
        name: `chaos-bot${index}`,
        script: "test/support/bot-fake-network.ts",
      });
      started.push(bot);
      await bot.waitReady(120_000);
      slot.bot = bot;
    })().finally(() => {
      slot.starting = undefined;
    });
    return slot.starting;
  };
  const running = (bot: BotProcess | undefined) =>
    bot !== undefined && bot.child.exitCode === null && bot.child.signalCode === null;

  // The first bot migrates the database alone; the second then starts on a migrated one.
  for (let i = 0; i < size; i++) await start(i);

  return {
    live: () => slots.flatMap((s) => (s.starting === undefined && running(s.bot) ? [s.bot!] : [])),
    liveSlots: () =>
      slots.flatMap((s, slot) => (s.starting === undefined && running(s.bot) ? [{ slot, bot: s.bot! }] : [])),
    all: () => [...started],
    kills: () => [...killed],
    kill(index, why, restartAfterMs) {
      const slot = slots[index];
      if (!slot || slot.starting || !running(slot.bot)) return false;
      const bot = slot.bot!;
      killed.push({ at: Date.now(), slot: index, pid: bot.child.pid, why, logFile: bot.logFile });
      bot.kill("SIGKILL");
      slot.bot = undefined;
      setTimeout(() => {
        if (!stopping && !running(slot.bot))
          start(index).catch((error: Error) => console.error(`restart failed: ${error.message}`));
      }, restartAfterMs);
      return true;
    },
    async ensureAllUp() {
      for (let i = 0; i < size; i++) {
        const slot = slots[i]!;
        if (slot.starting) await slot.starting;
        if (!running(slot.bot)) await start(i);
      }
    },
    async stop() {
      stopping = true;
      await Promise.allSettled(slots.map((s) => s.starting));
      for (const bot of started) {
        if (!running(bot)) continue;
        bot.kill("SIGTERM");
        await bot.waitExit(20_000).catch(() => bot.kill("SIGKILL"));
      }
    },
  };
}

/**
 * The settings every bench bot shares: the run's database, simulator (full key), Slack fake and card channel; no
 * digest or nudges; the backlog guard out of the way (every card is posted). `extra` adds or overrides.
 */
export function fleetEnv(
  run: { databaseUrl: string; peekerUrl: string; slackUrl: string; webhookSecret: string; channel: string },
  extra: Record<string, string>,
): Record<string, string> {
  return botEnv({
    DATABASE_URL: run.databaseUrl,
    PEEKER_API_URL: run.peekerUrl,
    PEEKER_API_KEY: SIM_KEYS.full,
    PEEKER_WEBHOOK_SECRET: run.webhookSecret,
    SLACK_API_URL: run.slackUrl,
    SLACK_CHANNEL_ID: run.channel,
    DIGEST_CRON: "off",
    NUDGE_CRON: "off",
    CARD_BACKLOG_LIMIT: "100000",
    ...extra,
  }) as Record<string, string>;
}
