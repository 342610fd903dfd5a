import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type BotProcess, spawnBot } from "./bot-process.js";
import { assertNoSecretsLogged, type Stack, startStack } from "./e2e.js";

/**
 * A stack whose bots run on an embedded PostgreSQL in a folder of the test file's own (the crash and shutdown
 * tests kill them, the database with them). Registers its own beforeAll/afterAll; read `stack` inside tests.
 */
export function useEmbeddedBots(name: string, env: Record<string, string> = {}) {
  const state = {
    stack: undefined as unknown as Stack,
    dataDir: "",
    bots: [] as BotProcess[],
    /** Starts a bot on the shared embedded database, leading its own process group, and waits until ready. */
    async start(botName: string): Promise<BotProcess> {
      const bot = await spawnBot(
        { ...state.stack.env, DATABASE_URL: undefined, DATA_DIR: state.dataDir, ...env },
        { name: botName, detached: true },
      );
      state.bots.push(bot);
      await bot.waitReady();
      return bot;
    },
  };
  beforeAll(async () => {
    state.stack = await startStack({ name });
    state.dataDir = await mkdtemp(path.join(tmpdir(), `peeker-${name}-`));
  });
  afterAll(async () => {
    for (const bot of state.bots) {
      if (bot.child.exitCode === null && bot.child.signalCode === null) {
        bot.kill("SIGTERM");
        await bot.waitExit().catch(() => bot.killGroup("SIGKILL"));
      }
    }
    assertNoSecretsLogged(state.bots, state.stack.env);
    await state.stack?.stop();
    await rm(state.dataDir, { recursive: true, force: true });
  });
  return state;
}
