import { hostname } from "node:os";
import { createDrain } from "../bot/drain.js";
import { createSlackClients, type SlackClients } from "../bot/slack-clients.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { isAlive } from "../db/embedded.js";
import { releaseOrphanedLeases } from "../db/leases.repository.js";
import type { DatabaseHandle } from "../db/pool.js";
import { createIntentSweepTimer } from "../jobs/intent-sweep-timer.js";
import type { Logger } from "../logger.js";
import { createMetrics, type Metrics } from "../metrics.js";
import { startMetricsServer } from "../metrics-server.js";
import { createPictureUrlChecker, type PictureUrlCheck } from "../net/picture-url-check.js";
import { recordPeekerCall } from "../pending/call-log.js";
import { createLookups } from "../pending/lookups.js";
import { createOpsStatus } from "../pending/ops-status.js";
import { type Component, type Components, createComponents, together } from "./components.js";
import { buildCore, type Core, newWorkerId, sequencerLoginOf } from "./core.js";
import { databaseComponent, intakePoolComponent } from "./database.js";
import { buildInbox } from "./inbox.js";
import { createIntakePressure } from "./intake-pressure.js";
import { buildRoutes } from "./routes.js";
import { coreJobs, schedulesComponent } from "./schedules.js";
import { drainComponent, type SlackAppDeps, slackAppComponent } from "./slack-app.js";
import { createVisibility, type Visibility } from "./visibility.js";

/**
 * The bot (style §1): the database and its pools, the Peeker client, the Slack sender, the inbox processor, the
 * intent sweeper, the App Home refresher, the Bolt app, the schedules and the drain, started in that order as
 * components (src/app/components.ts) and stopped in the reverse one: first no new work (drain, cron), then no
 * new requests, then the loops finish what they hold, then the clients and pools close.
 */

export interface RunningBot {
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  readonly database: DatabaseHandle;
  stop(): Promise<void>;
}

export interface BotDependencies {
  logger: Logger;
  /** The business clock; the entry point (src/main.ts) passes the system clock. */
  clock: Clock;
  /** The SSRF-safe picture check of the reorder modal; tests inject one with a fake network. */
  checkPictureUrl?: PictureUrlCheck;
}

/** What every part of the bot is built from. */
interface BotContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  workerId: string;
  metrics: Metrics;
  slack: SlackClients;
  database: DatabaseHandle;
}

export async function startBot(config: Config, deps: BotDependencies): Promise<RunningBot> {
  const { logger } = deps;
  // Built before anything starts, so a throw here leaves nothing running (components.start stops what started).
  const workerId = newWorkerId();
  const metrics = createMetrics();
  const slack = createSlackClients(config, logger);
  const components = createComponents(logger);
  const { database, latest, url } = await components.start(databaseComponent(config, logger));
  const intakeDatabase = await components.start(intakePoolComponent(config, url, logger));
  const context: BotContext = { config, logger, clock: deps.clock, workerId, metrics, slack, database };
  // A part that throws while it is built (not started) still stops the database and pools already started.
  const port = await buildAndStart(components, context, intakeDatabase, latest, deps).catch(async (error) => {
    await components.stop().catch(() => {});
    throw error;
  });
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
        await components.stop();
        logger.info("stopped");
      })();
      return stopping;
    },
  };
}

/** The orphaned leases taken back, the metrics, the core (Peeker, sender, reconcile), then the rest. */
async function buildAndStart(
  components: Components,
  context: BotContext,
  intakeDatabase: DatabaseHandle,
  latest: number,
  deps: BotDependencies,
): Promise<number> {
  const { config } = context;
  await components.start(orphanedLeasesComponent(context));
  context.metrics.observePool("main", context.database.pool);
  context.metrics.observePool("intake", intakeDatabase.pool);
  const core = buildCore(config, {
    db: context.database.db,
    logger: context.logger,
    clock: context.clock,
    workerId: context.workerId,
    metrics: context.metrics,
    slack: context.slack.sender,
    senderPollMs: 1000,
    onPeekerCall: (info) => {
      context.metrics.peekerCalls.inc({ route: `${info.method} ${info.route}`, outcome: info.outcome });
      // Attributes the call to the flow that made it, for its audit rows (src/pending/call-log.ts).
      recordPeekerCall(info);
    },
  });
  return startParts(components, context, { core, latest, intakeDatabase, deps });
}

/** Builds and starts everything that runs on the database, the Peeker client and the sender; answers the port. */
async function startParts(
  components: Components,
  context: BotContext,
  parts: { core: Core; latest: number; intakeDatabase: DatabaseHandle; deps: BotDependencies },
): Promise<number> {
  const { config, logger, clock, workerId, metrics, database } = context;
  const { core } = parts;
  const db = database.db;
  const wakeSender = () => core.senderLoop.wake();
  const intakePressure = createIntakePressure(
    parts.intakeDatabase.pool,
    config.database.intakePoolMax,
    metrics.webhooksInFlight,
  );
  const inbox = buildInbox(config, {
    db,
    logger,
    clock,
    workerId,
    metrics,
    core,
    intakePressure,
  });
  const visibility = createVisibility({
    config,
    db,
    logger,
    clock,
    metrics,
    slack: context.slack,
    wakeSender,
    runner: workerId,
    publisher: core.publisher,
  });
  const drain = createDrain();
  const { routes, metricsRoute } = buildRoutes({
    config,
    logger,
    clock,
    metrics,
    database,
    drain,
    latest: parts.latest,
    intakeDatabase: parts.intakeDatabase,
    wakeInbox: () => inbox.wake(),
    intakePressure,
  });
  const slackApp = slackAppComponent({
    config,
    logger,
    routes,
    drain,
    auth: context.slack.auth,
    listeners: listenerDeps(context, core, visibility, parts.deps.checkPictureUrl),
  });
  await components.startAll([
    metricsServerComponent(config, metricsRoute, logger),
    core.peekerComponent,
    together("background loops", [
      { name: "inbox processor", start: () => inbox.start(), stop: () => inbox.stop() },
      core.senderComponent,
      intentSweeperComponent(context, core),
    ]),
    visibility.homeRefresher,
  ]);
  const port = await components.start(slackApp);
  // Stopped first and together: no new cron run starts (a reconcile in flight is told to stop between steps) while
  // the interactive work already under way finishes.
  await components.start(
    together("schedules and drain", [
      schedulesComponent([...coreJobs(context, core.runReconcile), ...visibility.jobs], logger),
      drainComponent(drain, config, logger),
    ]),
  );
  return port;
}

/** What the Slack listeners use (src/bot/listeners/deps.ts), but the operator check the app builds. */
function listenerDeps(
  context: BotContext,
  core: Core,
  visibility: Visibility,
  checkPictureUrl: PictureUrlCheck | undefined,
): SlackAppDeps["listeners"] {
  const { config, logger, clock } = context;
  const { db } = context.database;
  const { peeker, publisher } = core;
  const wakeSender = () => core.senderLoop.wake();
  return {
    config,
    logger,
    clock,
    wakeSender,
    flows: {
      db,
      peeker,
      publisher,
      clock,
      sandbox: config.peeker.sandbox,
      wakeSender,
      checkPicture: checkPictureUrl ?? createPictureUrlChecker(),
      sequencerLogin: () => sequencerLoginOf(config),
    },
    lookups: createLookups({ db, peeker }),
    opsStatus: createOpsStatus({ db, peeker }),
    runReconcile: (slot) => core.runReconcile(slot),
    visibility: { runDigest: visibility.runDigest, home: visibility.home, permalink: visibility.permalink },
  };
}

/**
 * On every replica, its own timer (not slotted): heartbeat, then abandoned intents settled (design §6). Its first
 * sweep runs at start: cards a dead process left mid-write are settled at once, not at the next reconcile.
 */
function intentSweeperComponent(context: BotContext, core: Core): Component {
  const { config, logger, clock } = context;
  const timer = createIntentSweepTimer({
    db: context.database.db,
    peeker: core.peeker,
    publisher: core.publisher,
    wakeSender: () => core.senderLoop.wake(),
    now: () => clock.now(),
    logger: logger.child({ component: "intent-sweeper" }),
    periodMs: config.intentSweepSeconds * 1000,
  });
  // The sweep in flight stops between rows; awaited, so the pools never close under it.
  return { name: "intent sweeper", start: () => timer.start(), stop: () => timer.stop() };
}

/** Events a dead process on this host had claimed are taken back at once, not when their leases expire. */
function orphanedLeasesComponent(context: BotContext): Component {
  return {
    name: "orphaned leases",
    async start() {
      const released = await releaseOrphanedLeases(
        context.database.db,
        { hostname: hostname(), pid: process.pid, workerId: context.workerId },
        isAlive,
      );
      if (released > 0)
        context.logger.info({ released }, "took back events a dead process on this host had claimed");
    },
    stop() {},
  };
}

/** METRICS_PORT: GET /metrics on a port of its own (src/metrics-server.ts); nothing when unset. */
function metricsServerComponent(
  config: Config,
  route: Parameters<typeof startMetricsServer>[1],
  logger: Logger,
): Component {
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  return {
    name: "metrics server",
    async start() {
      if (config.metricsPort !== undefined)
        server = await startMetricsServer(config.metricsPort, route, logger);
    },
    stop: () => server?.close(),
  };
}
