import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { BotProcess } from "../../test/support/bot-process.js";

/** The bots' warnings and errors, counted by message, and their log files kept beside the results. */
export interface LogSummary {
  files: string[];
  /** `level msg` → count, most frequent first. */
  top: Array<{ level: string; msg: string; count: number }>;
}

const LEVELS: Record<number, string> = { 40: "warn", 50: "error", 60: "fatal" };

export function summarizeLogs(bots: BotProcess[], keepIn: string): LogSummary {
  mkdirSync(keepIn, { recursive: true });
  const counts = new Map<string, { level: string; msg: string; count: number }>();
  const files: string[] = [];
  for (const bot of bots) {
    const target = path.join(keepIn, path.basename(bot.logFile));
    try {
      copyFileSync(bot.logFile, target);
      files.push(target);
    } catch {
      continue;
    }
    for (const line of readFileSync(target, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      let entry: { level?: number; msg?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const level = LEVELS[entry.level ?? 0];
      if (!level) continue;
      const key = `${level} ${entry.msg}`;
      const found = counts.get(key) ?? { level, msg: String(entry.msg), count: 0 };
      found.count++;
      counts.set(key, found);
    }
  }
  return { files, top: [...counts.values()].sort((a, b) => b.count - a.count).slice(0, 15) };
}
