#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger, type Logger } from "./logger.js";
import { openMigratedDatabase, startBot } from "./main.js";

/** `npm start`, `npm run migrate`, …: one entry point, one job per command. */

const COMMANDS = ["start", "migrate"] as const;
type Command = (typeof COMMANDS)[number];

/** `.env` fills in what the real environment leaves unset; the environment wins. */
function environment(): Record<string, string | undefined> {
  const file = ".env";
  if (!existsSync(file)) return { ...process.env };
  return { ...parseEnv(readFileSync(file, "utf8")), ...process.env };
}

async function main(): Promise<void> {
  const command = (process.argv[2] ?? "start") as Command;
  if (!COMMANDS.includes(command)) {
    console.error(`Unknown command "${command}". Commands: ${COMMANDS.join(", ")}.`);
    process.exit(2);
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(environment());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });

  if (command === "migrate") {
    const { database, embedded } = await openMigratedDatabase(config, logger);
    await database.close();
    await embedded?.stop();
    return;
  }
  await runUntilSignalled(await startBot(config, { logger }), logger);
}

/** SIGTERM/SIGINT stop the bot in order; a stuck shutdown is cut after 10 s. */
async function runUntilSignalled(bot: { stop(): Promise<void> }, logger: Logger): Promise<void> {
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutdown requested");
    const force = setTimeout(() => {
      logger.error("shutdown took longer than 10 s; exiting anyway");
      process.exit(1);
    }, 10_000);
    force.unref();
    bot.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: { message: error.message } }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: Error) => {
  console.error(`The bot stopped: ${error.message}`);
  process.exit(1);
});
