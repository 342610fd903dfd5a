import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach } from "vitest";
import { FAILED_MARKER, LOG_DIR, spawnedBots } from "./bot-process.js";

/**
 * A setup file (vitest.config.ts `setupFiles`): when a test fails, its output names the log file of every bot
 * process its file started and prints the last lines of each, so a CI failure can be understood from the CI log
 * alone. It also leaves a marker in the run's log folder, so the global teardown keeps the logs for reading.
 */

/** Lines of each bot log printed on a failure, and the longest a printed line may be. */
const TAIL_LINES = 40;
const LINE_CHARS = 600;

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(() => {
    const bots = spawnedBots();
    if (bots.length === 0) return;
    const parts = bots.map((bot) => {
      const text = existsSync(bot.logFile) ? readFileSync(bot.logFile, "utf8") : bot.output();
      const tail = text
        .trimEnd()
        .split("\n")
        .slice(-TAIL_LINES)
        .map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line));
      return `--- bot log ${bot.logFile} (last ${tail.length} lines) ---\n${tail.join("\n")}`;
    });
    writeFileSync(path.join(LOG_DIR, FAILED_MARKER), `${task.file?.name ?? ""} > ${task.name}\n`, {
      flag: "a",
    });
    console.error(`Test "${task.name}" failed; logs of the bots it ran:\n${parts.join("\n")}`);
  });
});
