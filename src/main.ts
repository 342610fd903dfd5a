import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { createSlackApp, type Route } from "./bot/app.js";
import { createCardPublisher } from "./bot/card-publisher.js";
import { registerListeners } from "./bot/listeners/index.js";
import { healthz, makeReadyz } from "./bot/routes/health.js";
import { makeMetricsRoute } from "./bot/routes/metrics.js";
import { makePeekerWebhookRoute } from "./bot/routes/peeker-webhooks.js";
import { createSenderClient } from "./bot/slack-clients.js";
import { createSlackSender } from "./bot/slack-sender.js";
import { type Clock, systemClock } from "./clock.js";
import type { Config } from "./config.js";
import { type EmbeddedDatabase, isAlive, startEmbeddedPostgres } from "./db/embedded.js";
import { releaseOrphanedLeases } from "./db/leases.repository.js";
import { isMigrated, migrate } from "./db/migrate.js";
import { type DatabaseHandle, openDatabase, redactDatabaseUrl } from "./db/pool.js";
import { insertWebhookEvent } from "./db/webhook-events.repository.js";
import { createInboxProcessor } from "./jobs/inbox-processor.js";
import { createWorkerLoop } from "./jobs/worker-loop.js";
import type { Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { PeekerClient } from "./peeker/client.js";
import { processEvent } from "./pending/process-event.js";

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
  const clock = deps.clock ?? systemClock;
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const { database, embedded, latest } = await openMigratedDatabase(config, logger);
  const { db, pool } = database;
  const released = await releaseOrphanedLeases(
    db,
    { hostname: hostname(), pid: process.pid, workerId },
    isAlive,
  );
  if (released > 0) logger.info({ released }, "took back events a dead process on this host had claimed");
  const metrics = createMetrics();

  const peeker = new PeekerClient({
    apiKey: config.peeker.apiKey,
    baseUrl: config.peeker.apiUrl,
    logger: logger.child({ component: "peeker" }),
    clock,
    onCall: (info) =>
      metrics.peekerCalls.inc({ route: `${info.method} ${info.route}`, outcome: info.outcome }),
  });
  const publisher = createCardPublisher(config.slack.channelId);

  const sender = createSlackSender({
    db,
    slack: createSenderClient(config, logger),
    workerId,
    logger: logger.child({ component: "slack-sender" }),
    metrics,
  });
  const senderLoop = createWorkerLoop({ name: "slack-sender", logger, pollMs: 1000, tick: sender.tick });
  const inbox = createInboxProcessor({
    db,
    workerId,
    logger: logger.child({ component: "inbox" }),
    metrics,
    handle: async (event) => {
      await processEvent(
        { db, peeker, publisher, sandbox: config.peeker.sandbox, now: () => clock.now() },
        event,
      );
      senderLoop.wake();
    },
  });

  const routes: Route[] = [
    { path: "/healthz", method: "GET", handler: healthz },
    { path: "/readyz", method: "GET", handler: makeReadyz({ isReady: () => isMigrated(pool, latest) }) },
    { path: "/metrics", method: "GET", handler: makeMetricsRoute(metrics, db) },
    {
      path: "/peeker/webhooks",
      method: "POST",
      handler: makePeekerWebhookRoute({
        intake: {
          secrets: config.peeker.webhookSecrets,
          toleranceSeconds: config.peeker.webhookToleranceSeconds,
          nowSeconds: () => clock.now().getTime() / 1000,
          insert: (event) => insertWebhookEvent(pool, event),
          insertDeadlineMs: 4500,
        },
        logger,
        metrics,
        onAccepted: () => inbox.wake(),
      }),
    },
  ];
  const app = createSlackApp({ config, logger, routes });
  registerListeners(app, {
    config,
    db,
    peeker,
    publisher,
    logger,
    metrics,
    clock,
    wakeSender: () => senderLoop.wake(),
    runner: workerId,
  });

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
  inbox.start();
  senderLoop.start();
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
        // Stop taking work first, then let the loops finish what they hold, then close in reverse order.
        await app
          .stop()
          .catch((error: Error) => logger.warn({ err: { message: error.message } }, "app stop"));
        sender.stop();
        await Promise.all([inbox.stop(), senderLoop.stop()]);
        await peeker.close();
        await database.close();
        await embedded?.stop();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}
