#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { systemClock } from "./clock.js";
import { type Config, ConfigError, loadConfig, secretsOf } from "./config.js";
import { createScrubber } from "./log-scrub.js";
import { createLogger, errorSerializer, type Logger } from "./logger.js";

/**
 * The entry point (`npm start`, `npm run migrate`, …, the `peeker-bot` bin): reads the environment, parses the
 * command, loads the configuration and runs the command. The only file that reads the environment and builds the
 * system clock; the composition root it calls lives in src/app/, and nothing imports this file (design §2).
 */

const COMMANDS = ["start", "migrate", "reconcile", "digest", "doctor", "manifest"] as const;
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
  // The application is loaded only when needed: a bad setting is reported without loading (or, from source,
  // compiling) the whole bot first. These two report bad settings themselves (doctor) or need none (manifest).
  const commands = () => import("./ops/commands.js");
  if (command === "manifest") process.exit((await commands()).manifestCommand(process.argv.slice(3)));
  if (command === "doctor") process.exit(await (await commands()).doctorCommand(environment()));
  let config: Config;
  try {
    config = loadConfig(environment());
  } catch (error) {
    if (error instanceof ConfigError) {
      fatal(error.message, { problems: error.problems });
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  if (command === "migrate") {
    await (await commands()).migrateCommand(config, logger);
    return;
  }
  if (command === "reconcile")
    process.exit(await (await commands()).reconcileCommand(config, logger, systemClock));
  if (command === "digest") process.exit(await (await commands()).digestCommand(config, logger, systemClock));
  const { startBot } = await import("./app/bot.js");
  await runUntilSignalled(
    await startBot(config, { logger, clock: systemClock }),
    logger,
    config.shutdownDrainSeconds,
  );
}

/**
 * SIGTERM/SIGINT stop the bot in order; a stuck shutdown is cut 10 s after the drain's bound
 * (SHUTDOWN_DRAIN_SECONDS), which is spent only while interactive work is still under way.
 */
async function runUntilSignalled(
  bot: { stop(): Promise<void> },
  logger: Logger,
  drainSeconds: number,
): Promise<void> {
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutdown requested");
    const limitSeconds = drainSeconds + 10;
    const force = setTimeout(() => {
      logger.error(`shutdown took longer than ${limitSeconds} s; exiting anyway`);
      process.exit(1);
    }, limitSeconds * 1000);
    force.unref();
    bot.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

/**
 * The last words of a process that cannot run: plain text for a person at a terminal, one JSON line (pino's
 * shape, level 60 = fatal) for a log collector (a container, systemd's journal), so it is not lost among JSON.
 */
function fatal(message: string, fields: Record<string, unknown> = {}): void {
  if (process.stderr.isTTY) {
    console.error(message);
    return;
  }
  const line = { level: 60, time: Date.now(), pid: process.pid, name: "peeker-bot", ...fields, msg: message };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

main().catch((error: Error) => {
  // A configuration is not known here, so only token shapes are scrubbed from the message and stack.
  const err = errorSerializer(createScrubber())(error) as { message?: string };
  fatal(`The bot stopped: ${err.message ?? String(error)}`, process.stderr.isTTY ? {} : { err });
  process.exit(1);
});
