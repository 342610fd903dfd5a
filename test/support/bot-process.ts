import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The bot as a real process (`node --import tsx src/main.ts`), as `npm start` runs it. */

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
/** Every bot process started by the suite logs here; a test greps these files for secrets. */
export const LOG_DIR = path.join(tmpdir(), "peeker-test-logs", process.env.PEEKER_TEST_RUN ?? "adhoc");

/** Left in LOG_DIR by a failed test (test/support/failure-logs.ts): the global teardown then keeps the logs. */
export const FAILED_MARKER = "FAILED";

const spawned: BotProcess[] = [];

/** Every bot this test file started (a worker runs one file at a time, with its own modules). */
export function spawnedBots(): readonly BotProcess[] {
  return spawned;
}

export interface BotProcess {
  readonly child: ChildProcess;
  /** Known once the bot logged "bot started" (it binds PORT=0, so parallel test files never collide). */
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  output(): string;
  waitReady(timeoutMs?: number): Promise<number>;
  waitExit(timeoutMs?: number): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  /** Signals the whole process group (only for a bot spawned `detached`). */
  killGroup(signal?: NodeJS.Signals): void;
}

export async function spawnBot(
  env: Record<string, string | undefined>,
  /** `detached`: the bot leads its own process group, so `killGroup` also kills the embedded PostgreSQL. */
  options: {
    command?: string;
    name?: string;
    port?: number;
    detached?: boolean;
    /** Entry point instead of `src/main.ts` (a test entry that injects a fake network, say). */
    script?: string;
  } = {},
): Promise<BotProcess> {
  const port = options.port ?? 0;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(
    LOG_DIR,
    `${options.name ?? "bot"}-${process.pid}-${randomBytes(4).toString("hex")}.log`,
  );
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", options.script ?? "src/main.ts", options.command ?? "start"],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
    },
  );
  let output = "";
  let boundPort = port;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
    const started = /"port":(\d+),[^\n]*"msg":"bot started"/.exec(output);
    if (boundPort === 0 && started) boundPort = Number(started[1]);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  exited.then(() => log.end());
  const bot: BotProcess = {
    child,
    get port() {
      return boundPort;
    },
    get url() {
      return `http://127.0.0.1:${boundPort}`;
    },
    logFile,
    output: () => output,
    // A ceiling, not an expected duration: a bot starting under `npm run test:stress` load (tsx compiling the
    // whole of src/ on busy cores) can take well over 30 s.
    async waitReady(timeoutMs = 90_000) {
      const started = Date.now();
      while (Date.now() - started < timeoutMs) {
        if (child.exitCode !== null) throw new Error(`bot exited with ${child.exitCode}:\n${output}`);
        if (boundPort !== 0) {
          try {
            const response = await fetch(`http://127.0.0.1:${boundPort}/readyz`);
            if (response.status === 200) return Date.now() - started;
          } catch {
            // not listening yet
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`bot not ready after ${timeoutMs} ms:\n${output}`);
    },
    async waitExit(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`bot did not exit within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill(signal = "SIGTERM") {
      child.kill(signal);
    },
    killGroup(signal = "SIGKILL") {
      if (child.pid) process.kill(-child.pid, signal);
    },
  };
  spawned.push(bot);
  return bot;
}

/**
 * Settings for a bot that answers people quickly (a modal submit or `/peeker` command acks "Working…" after 0.5
 * s, a Peeker call a person waits for gives up after 1.5 s): for the tests of the "Working…" and
 * interactive-timeout paths, whose Peeker is made slower than these on purpose, so the path taken does not
 * depend on how loaded the machine is.
 */
export const QUICK_ANSWERS = { SLACK_ANSWER_WINDOW_MS: "500", PEEKER_INTERACTIVE_DEADLINE_MS: "1500" };

/**
 * A complete, valid environment for the bot; tests override what they need. People are patient here (a 20 s
 * answer window and interactive deadline instead of 2.2 s and 2.5 s): on a loaded machine a submit must not take
 * the "Working…" path, or a Peeker read time out, by accident. Tests of those paths use `QUICK_ANSWERS`.
 */
export function botEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: "xoxb-test-canary-bot-token",
    SLACK_SIGNING_SECRET: "canary-slack-signing-secret",
    SLACK_CHANNEL_ID: "C0SUPPORT01",
    SLACK_API_URL: "http://127.0.0.1:9/api/",
    PEEKER_API_KEY: "pk_test_canary_api_key",
    PEEKER_API_URL: "http://127.0.0.1:9/partner/v1",
    PEEKER_WEBHOOK_SECRET: "whsec_canary_webhook_secret",
    RECONCILE_CRON: "off",
    DIGEST_CRON: "off",
    SLACK_ANSWER_WINDOW_MS: "20000",
    PEEKER_INTERACTIVE_DEADLINE_MS: "20000",
    ...overrides,
  };
}
