import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";

/** The two servers the intake bench compares, each a child process in its own process group. */

export const REPO = path.resolve(import.meta.dirname, "../..");

export interface Server {
  url: string;
  /** Its process group: the CPU of everything it runs (bench/intake/cpu.ts). */
  pgid: number;
  stop: () => Promise<void>;
}

/**
 * Spawns `command` and resolves with the port found by `portPattern` in its output. The output is kept only until
 * then (a bot at info level logs a lot), and drained afterwards so a full pipe never blocks the child.
 */
async function spawnServer(
  command: string,
  args: string[],
  env: Record<string, string>,
  portPattern: RegExp,
): Promise<Server> {
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = portPattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}:\n${output}`)));
  });
  child.stdout?.removeAllListeners("data");
  child.stderr?.removeAllListeners("data");
  // BENCH_BOT_LOG=<file>: keep the servers' output (to read what a phase spent its time on).
  if (process.env.BENCH_BOT_LOG) {
    const log = createWriteStream(process.env.BENCH_BOT_LOG, { flags: "a" });
    log.write(output);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    pgid: child.pid ?? 0,
    async stop() {
      const exited = new Promise((r) => child.once("exit", r));
      if (child.pid) process.kill(-child.pid, "SIGTERM");
      await exited;
    },
  };
}

/**
 * The bot as deployed: `npm start` (build, then `node dist/main.js start`). With `cpuProfileDir` it is built once
 * and started as `node --cpu-prof dist/main.js start`, so the profile is of the bot process itself (written when it
 * exits).
 */
export function startBot(env: Record<string, string>, cpuProfileDir?: string): Promise<Server> {
  const ready = /"port":(\d+),[^\n]*"msg":"bot started"/;
  if (!cpuProfileDir) return spawnServer("npm", ["start", "--silent"], env, ready);
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: REPO, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  return spawnServer(
    process.execPath,
    ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`, "dist/main.js", "start"],
    env,
    ready,
  );
}

/** The minimal reference intake (bench/intake/reference-server.ts) under tsx, like the bench itself. */
export function startReference(env: Record<string, string>, cpuProfileDir?: string): Promise<Server> {
  const profile = cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : [];
  return spawnServer(
    process.execPath,
    [...profile, "--import", "tsx", "bench/intake/reference-server.ts"],
    env,
    /\{"port":(\d+)\}/,
  );
}
