import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSlackApp, type Route } from "./bot/app.js";
import { healthz, makeReadyz } from "./bot/routes/health.js";
import { type Clock, systemClock } from "./clock.js";
import type { Config } from "./config.js";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embedded.js";
import { isMigrated, migrate } from "./db/migrate.js";
import { type DatabaseHandle, openDatabase, redactDatabaseUrl } from "./db/pool.js";
import type { Logger } from "./logger.js";

/**
 * The composition root (style §1): the only place that builds the pool, the Peeker client, the Bolt app and
 * the background loops, and stops them in reverse order.
 */

export interface RunningBot {
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  readonly database: DatabaseHandle;
  stop(): Promise<void>;
}

export interface BotDependencies {
  logger: Logger;
  clock?: Clock;
}

/** Starts the database (embedded when DATABASE_URL is unset) and applies migrations. */
export async function openMigratedDatabase(
  config: Config,
  logger: Logger,
): Promise<{ database: DatabaseHandle; embedded: EmbeddedDatabase | undefined; latest: number }> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.dataDir,
        logger: logger.child({ component: "postgres" }),
      });
  const url = config.databaseUrl ?? embedded!.url;
  logger.info(
    { database: redactDatabaseUrl(url) },
    embedded ? "using the embedded database" : "using DATABASE_URL",
  );
  const database = openDatabase(url, logger);
  try {
    const { latest } = await migrate(database.pool, logger);
    return { database, embedded, latest };
  } catch (error) {
    await database.close();
    await embedded?.stop();
    throw error;
  }
}

export async function startBot(config: Config, deps: BotDependencies): Promise<RunningBot> {
  const { logger } = deps;
  const { database, embedded, latest } = await openMigratedDatabase(config, logger);

  const routes: Route[] = [
    { path: "/healthz", method: "GET", handler: healthz },
    {
      path: "/readyz",
      method: "GET",
      handler: makeReadyz({ isReady: () => isMigrated(database.pool, latest) }),
    },
  ];
  const app = createSlackApp({ config, logger, routes });

  let port = config.port;
  if (config.slack.appToken) {
    await app.start();
  } else {
    // Node's defaults (60 s headers, 300 s request) let slow clients pin sockets; Slack and Peeker send fast.
    const server = (await app.start(config.port, {
      headersTimeout: 10_000,
      requestTimeout: 15_000,
    })) as Server;
    port = (server.address() as AddressInfo).port;
  }
  logger.info(
    { port, socketMode: Boolean(config.slack.appToken), sandbox: config.peeker.sandbox },
    "bot started",
  );

  let stopping: Promise<void> | undefined;
  return {
    port,
    database,
    stop() {
      stopping ??= (async () => {
        logger.info("stopping");
        await app
          .stop()
          .catch((error: Error) => logger.warn({ err: { message: error.message } }, "app stop"));
        await database.close();
        await embedded?.stop();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}
