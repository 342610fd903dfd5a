import type { Config } from "../config.js";
import { type EmbeddedDatabase, runningEmbeddedUrl, startEmbeddedPostgres } from "../db/embedded.js";
import { migrate } from "../db/migrate.js";
import { type DatabaseHandle, openDatabase, type PoolOptions, redactDatabaseUrl } from "../db/pool.js";
import type { Logger } from "../logger.js";
import type { Component } from "./components.js";

/** The database components: the server (embedded when DATABASE_URL is unset), its pools and the migrations. */

export interface OpenedDatabase {
  database: DatabaseHandle;
  embedded: EmbeddedDatabase | undefined;
  /** The latest migration applied (what /readyz checks). */
  latest: number;
  url: string;
}

/** Starts the database (embedded when DATABASE_URL is unset) and applies migrations. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.dataDir,
        logger: logger.child({ component: "postgres" }),
      });
  const url = config.databaseUrl ?? embedded!.url;
  // Which database holds the data, said at every start (the password never: redactDatabaseUrl).
  logger.info(
    embedded
      ? { database: "embedded", url: redactDatabaseUrl(url), dataDir: config.dataDir }
      : { database: "DATABASE_URL", url: redactDatabaseUrl(url) },
    embedded ? "using the embedded database" : "using DATABASE_URL",
  );
  const database = openDatabase(url, logger, poolOptionsOf(config, "main"));
  try {
    const { latest } = await migrate(database.pool, logger);
    return { database, embedded, latest, url };
  } catch (error) {
    await database.close();
    await embedded?.stop();
    throw error;
  }
}

export async function closeDatabase(opened: Pick<OpenedDatabase, "database" | "embedded">): Promise<void> {
  await opened.database.close();
  await opened.embedded?.stop();
}

/**
 * The main pool on a migrated database. `joinRunningEmbedded` (one-shot commands): with the embedded database
 * and a bot already running on DATA_DIR, connect to its server rather than start (and so stop) it.
 */
export function databaseComponent(
  config: Config,
  logger: Logger,
  options: { joinRunningEmbedded?: boolean } = {},
): Component<OpenedDatabase> {
  let opened: OpenedDatabase | undefined;
  return {
    name: "database",
    async start() {
      const running =
        options.joinRunningEmbedded && !config.databaseUrl
          ? await runningEmbeddedUrl(config.dataDir)
          : undefined;
      opened = running
        ? {
            database: openDatabase(running, logger, poolOptionsOf(config, "main")),
            embedded: undefined,
            latest: 0,
            url: running,
          }
        : await openMigratedDatabase(config, logger);
      return opened;
    },
    async stop() {
      if (opened) await closeDatabase(opened);
    },
  };
}

/**
 * The intake's small pool of its own: transactions waiting on Peeker (a 429 pause) can fill the main pool, and a
 * webhook must still be stored and answered 200 then.
 */
export function intakePoolComponent(config: Config, url: string, logger: Logger): Component<DatabaseHandle> {
  let handle: DatabaseHandle | undefined;
  return {
    name: "intake pool",
    start() {
      handle = openDatabase(url, logger, poolOptionsOf(config, "intake"));
      return handle;
    },
    async stop() {
      await handle?.close();
    },
  };
}

/** The validated pool settings (DATABASE_POOL_MAX, DATABASE_INTAKE_POOL_MAX, DATABASE_STATEMENT_TIMEOUT_MS). */
function poolOptionsOf(config: Config, pool: "main" | "intake"): PoolOptions {
  return {
    max: pool === "main" ? config.database.poolMax : config.database.intakePoolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    applicationName: pool === "main" ? "peeker-bot" : "peeker-bot-intake",
  };
}
