import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * The bot as production runs it (`npm start` = build, then `node dist/main.js start`), spawned as `node` itself
 * so `pid` is the bot's own process (its RSS is the bot's, not npm's or a tsx loader's). The output goes to a
 * file and is only parsed until "bot started": a long soak must not keep the bot's whole log in this process.
 */
export interface BenchBot {
  readonly pid: number;
  readonly url: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export const REPO = path.resolve(import.meta.dirname, "../..");

let built = false;

/** `npm run build` once per bench process (dist/ is what `npm start` runs). */
export function buildOnce(): void {
  if (built) return;
  const result = spawnSync("npm", ["run", "build", "--silent"], { cwd: REPO, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`npm run build failed (${result.status})`);
  built = true;
}

export async function startBenchBot(env: Record<string, string>, logFile: string): Promise<BenchBot> {
  buildOnce();
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ["dist/main.js", "start"], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  exited.then(() => log.end());
  let head = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start; see ${logFile}`)), 120_000);
    const onData = (chunk: Buffer) => {
      head += chunk.toString();
      const match = /"port":(\d+),[^\n]*"msg":"bot started"/.exec(head);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      head = "";
      resolve(Number(match[1]));
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`bot exited with ${code}; see ${logFile}`)));
  });
  if (child.pid === undefined) throw new Error("bot has no pid");
  const pid = child.pid;
  return {
    pid,
    url: `http://127.0.0.1:${port}`,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
