import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { createSlackApp, type Route, socketModeHttpPort } from "./bot/app.js";
import { createCardPublisher } from "./bot/card-publisher.js";
import { createCustomerMessageSender } from "./bot/customer-message-sender.js";
import { createDrain, drainMiddleware } from "./bot/drain.js";
import { registerListeners } from "./bot/listeners/index.js";
import { healthz, makeReadyz } from "./bot/routes/health.js";
import { makeMetricsRoute } from "./bot/routes/metrics.js";
import { makePeekerWebhookRoute } from "./bot/routes/peeker-webhooks.js";
import { createSenderClient } from "./bot/slack-clients.js";
import { createSlackSender } from "./bot/slack-sender.js";
import { type Clock, systemClock } from "./clock.js";
import type { Config } from "./config.js";
import { type EmbeddedDatabase, isAlive, runningEmbeddedUrl, startEmbeddedPostgres } from "./db/embedded.js";
import { releaseOrphanedLeases } from "./db/leases.repository.js";
import { isMigrated, migrate } from "./db/migrate.js";
import { type DatabaseHandle, openDatabase, type PoolOptions, redactDatabaseUrl } from "./db/pool.js";
import { databaseNow } from "./db/reconcile.repository.js";
import { unsentCardsSince } from "./db/slack-outbox.repository.js";
import { insertWebhookEvent } from "./db/webhook-events.repository.js";
import { startSchedules } from "./jobs/cron.js";
import { createInboxProcessor } from "./jobs/inbox-processor.js";
import { createIntentSweepTimer, heartbeatStaleMs } from "./jobs/intent-sweep-timer.js";
import { makeGaugeRefresher } from "./jobs/metrics-gauges.js";
import { makeReconcileJob, type ReconcileOutcome } from "./jobs/reconcile.js";
import { createRereadPacing } from "./jobs/reread-pacing.js";
import { retentionSchedule } from "./jobs/retention.js";
import { manualSlot } from "./jobs/slots.js";
import { createVisibility } from "./jobs/visibility.js";
import { createWorkerLoop } from "./jobs/worker-loop.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { startMetricsServer } from "./metrics-server.js";
import { createPictureUrlChecker, type PictureUrlCheck } from "./net/picture-url-check.js";
import { type PeekerCallInfo, PeekerClient } from "./peeker/client.js";
import { recordPeekerCall } from "./pending/call-log.js";
import { type IntentSweeperDeps, sweepIntents } from "./pending/intent-sweeper.js";
import { createLookups } from "./pending/lookups.js";
import { createOpsStatus } from "./pending/ops-status.js";
import { createOperatorCheck } from "./pending/permissions.js";
import { processEvents } from "./pending/process-event.js";
import {
  completeQueuedReorders,
  followAllCorrectedOrders,
  type QueuedReorderDeps,
} from "./pending/queued-reorders.js";
import type { AfterReconcileStep } from "./pending/reconcile.js";

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
  /** The SSRF-safe picture check of the reorder modal; tests inject one with a fake network. */
  checkPictureUrl?: PictureUrlCheck;
}

/** Starts the database (embedded when DATABASE_URL is unset) and applies migrations. */
export async function openMigratedDatabase(
  config: Config,
  logger: Logger,
): Promise<{
  database: DatabaseHandle;
  embedded: EmbeddedDatabase | undefined;
  latest: number;
  url: string;
}> {
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

export async function startBot(config: Config, deps: BotDependencies): Promise<RunningBot> {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const workerId = newWorkerId();
  const { database, embedded, latest, url } = await openMigratedDatabase(config, logger);
  const { db, pool } = database;
  // The intake has a small pool of its own: transactions waiting on Peeker (a 429 pause) can fill the main pool,
  // and a webhook must still be stored and answered 200 then.
  const intakeDatabase = openDatabase(url, logger, poolOptionsOf(config, "intake"));
  const released = await releaseOrphanedLeases(
    db,
    { hostname: hostname(), pid: process.pid, workerId },
    isAlive,
  );
  if (released > 0) logger.info({ released }, "took back events a dead process on this host had claimed");
  const metrics = createMetrics();
  metrics.observePool("main", pool);
  metrics.observePool("intake", intakeDatabase.pool);

  const { peeker, publisher, sender, senderLoop, runReconcile } = buildCore(config, {
    db,
    logger,
    clock,
    workerId,
    metrics,
    senderPollMs: 1000,
    onPeekerCall: (info) => {
      metrics.peekerCalls.inc({ route: `${info.method} ${info.route}`, outcome: info.outcome });
      // Attributes the call to the flow that made it, for its audit rows (src/pending/call-log.ts).
      recordPeekerCall(info);
    },
  });
  const inbox = createInboxProcessor({
    db,
    workerId,
    logger: logger.child({ component: "inbox" }),
    metrics,
    concurrency: config.inbox.concurrency,
    batchSize: config.inbox.batchSize,
    coalesce: config.inbox.coalesce,
    capacity: () => peeker.backgroundCapacity(),
    pacing: createRereadPacing({
      // Three quarters of the budget: a re-read may cost two calls, and buttons and reconciliation need room.
      perMinute: Math.max(1, Math.floor(config.peeker.requestsPerMinute * 0.75)),
      burst: config.inbox.rereadBurst,
      now: () => clock.now().getTime(),
    }),
    handle: async (events) => {
      const outcome = await processEvents(
        {
          db,
          peeker,
          publisher,
          sandbox: config.peeker.sandbox,
          now: () => clock.now(),
          reorders: { peeker, sequencerLogin: () => sequencerLoginOf(config) },
          coalesce: config.inbox.coalesce,
        },
        events,
      );
      // An ignored event (no resource named) changed no card. Waking the sender for it made it look for work, a query
      // per event: under a burst of such events that kept the sender's loop running back to back (bench/README.md).
      if (outcome.kind !== "ignored") senderLoop.wake();
      return "audit" in outcome ? { audit: outcome.audit } : undefined;
    },
  });

  const visibility = createVisibility({
    config,
    db,
    logger,
    clock,
    runner: workerId,
    publisher,
    metrics,
    wakeSender: () => senderLoop.wake(),
  });

  const drain = createDrain();
  const metricsRoute = makeMetricsRoute(
    metrics,
    makeGaugeRefresher({
      db,
      metrics,
      clock,
      slaMinutes: config.slaMinutes,
      channelId: config.slack.channelId,
    }),
  );
  const routes: Route[] = [
    { path: "/healthz", method: "GET", handler: healthz },
    {
      path: "/readyz",
      method: "GET",
      handler: makeReadyz({ isReady: () => isMigrated(pool, latest), isDraining: () => drain.draining }),
    },
    // METRICS_PORT set: /metrics is served there only, off the port that faces Slack and Peeker.
    ...(config.metricsPort === undefined
      ? [{ path: "/metrics", method: "GET" as const, handler: metricsRoute }]
      : []),
    {
      path: "/peeker/webhooks",
      method: "POST",
      handler: makePeekerWebhookRoute({
        intake: {
          secrets: config.peeker.webhookSecrets,
          toleranceSeconds: config.peeker.webhookToleranceSeconds,
          nowSeconds: () => clock.now().getTime() / 1000,
          insert: (event) => insertWebhookEvent(intakeDatabase.pool, event),
          insertDeadlineMs: 4500,
        },
        logger,
        metrics,
        onAccepted: () => inbox.wake(),
      }),
    },
  ];
  const app = createSlackApp({ config, logger, routes });
  // First of all middleware: interactive work is tracked for the drain, and refused in words once it began.
  app.use(drainMiddleware(drain, logger.child({ component: "drain" })));
  const isOperator = createOperatorCheck({
    operators: config.slack.operators,
    listGroupMembers: async (usergroup) =>
      (await app.client.usergroups.users.list({ token: config.slack.botToken, usergroup })).users ?? [],
    now: () => clock.now().getTime(),
    onError: (group, error) => logger.warn({ group, err: error }, "could not expand a user group"),
  });
  registerListeners(app, {
    config,
    logger,
    clock,
    wakeSender: () => senderLoop.wake(),
    flows: {
      db,
      peeker,
      publisher,
      clock,
      sandbox: config.peeker.sandbox,
      wakeSender: () => senderLoop.wake(),
      isOperator,
      checkPicture: deps.checkPictureUrl ?? createPictureUrlChecker(),
      sequencerLogin: () => ({
        email: config.peeker.sequencerLoginEmail,
        password: config.peeker.sequencerLoginPassword,
      }),
    },
    lookups: createLookups({ db, peeker }),
    opsStatus: createOpsStatus({ db, peeker }),
    runReconcile: (slot) => runReconcile(slot),
    visibility: { runDigest: visibility.runDigest, home: visibility.home, permalink: visibility.permalink },
  });

  let port = config.port;
  if (config.slack.appToken) {
    await app.start();
    // In Socket Mode the custom routes listen on installerOptions.port (design §10); PORT=0 picks a free one.
    port = (await socketModeHttpPort(app)) ?? port;
  } else {
    // Node's defaults (60 s headers, 300 s request) let slow clients pin sockets; Slack and Peeker send fast.
    const server = (await app.start(config.port, {
      headersTimeout: 10_000,
      requestTimeout: 15_000,
    })) as Server;
    port = (server.address() as AddressInfo).port;
  }
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer(config.metricsPort, metricsRoute, logger);
  inbox.start();
  senderLoop.start();
  // On every replica, its own timer (not slotted): heartbeat, then abandoned intents settled (design §6). Its first
  // sweep runs now: cards a dead process left mid-write are settled at once, not at the next reconcile.
  const intentSweeper = createIntentSweepTimer({
    db,
    peeker,
    publisher,
    now: () => clock.now(),
    wakeSender: () => senderLoop.wake(),
    logger: logger.child({ component: "intent-sweeper" }),
    periodMs: config.intentSweepSeconds * 1000,
  });
  intentSweeper.start();
  visibility.start();
  // Every replica schedules it; the slot's `runs` row lets one of them run it (design §3 "Cron slots").
  const schedules = startSchedules(
    [
      {
        name: "reconcile",
        expression: config.reconcileCron,
        run: (slot, signal) => runReconcile(slot, signal),
      },
      retentionSchedule(config.retentionCron, {
        db,
        logger: logger.child({ job: "retention" }),
        runner: workerId,
        now: () => clock.now(),
        metrics,
        retentionDays: config.retentionDays,
      }),
    ],
    logger,
  );
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
        // Drain first (src/bot/drain.ts): /readyz says 503 and new interactions are refused in words, while the
        // interactive work already answered "Working…" finishes, bounded. Cron stops meanwhile: no new run
        // starts, and a reconcile in flight is told to stop between steps.
        drain.begin();
        const [unfinished] = await Promise.all([
          drain.settled(config.shutdownDrainSeconds * 1000),
          schedules.stop(),
        ]);
        if (unfinished > 0)
          logger.warn(
            { unfinished, drainSeconds: config.shutdownDrainSeconds },
            "interactive work still running when the drain ended; stopping anyway",
          );
        // Stop taking work first, then let the loops finish what they hold, then close in reverse order.
        await app.stop().catch((error: Error) => logger.warn({ err: error }, "app stop"));
        await visibility.stop();
        sender.stop();
        // The sweep in flight stops between rows; awaited, so the pools never close under it.
        await Promise.all([inbox.stop(), senderLoop.stop(), intentSweeper.stop()]);
        await peeker.close();
        await metricsServer?.close();
        await intakeDatabase.close();
        await database.close();
        await embedded?.stop();
        logger.info("stopped");
      })();
      return stopping;
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

/** `<hostname>:<pid>:<random>`: leases name their holder, and start-up can tell a dead holder on this host. */
function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

interface CoreDeps {
  db: DatabaseHandle["db"];
  logger: Logger;
  clock: Clock;
  workerId: string;
  metrics: Metrics;
  senderPollMs: number;
  onPeekerCall?: (info: PeekerCallInfo) => void;
}

/**
 * What both the bot and `npm run reconcile` run on: the Peeker client, the card publisher, the Slack sender and
 * its loop, and the reconcile job with its after-steps.
 */
function buildCore(config: Config, deps: CoreDeps) {
  const { db, logger, clock, workerId } = deps;
  const peeker = new PeekerClient({
    apiKey: config.peeker.apiKey,
    baseUrl: config.peeker.apiUrl,
    logger: logger.child({ component: "peeker" }),
    clock,
    budget: { limit: config.peeker.requestsPerMinute },
    interactiveDeadlineMs: config.peeker.interactiveDeadlineMs,
    ...(deps.onPeekerCall ? { onCall: deps.onPeekerCall } : {}),
  });
  const publisher = createCardPublisher(config.slack.channelId);
  const senderClient = createSenderClient(config, logger);
  const customerMessages = createCustomerMessageSender({
    db,
    slack: senderClient,
    publisher,
    logger: logger.child({ component: "customer-messages" }),
  });
  const sender = createSlackSender({
    db,
    slack: senderClient,
    extraTick: customerMessages.tick,
    workerId,
    logger: logger.child({ component: "slack-sender" }),
    metrics: deps.metrics,
    backlogLimit: config.cardBacklogLimit,
  });
  const senderLoop = createWorkerLoop({
    name: "slack-sender",
    logger,
    pollMs: deps.senderPollMs,
    tick: sender.tick,
  });
  const wakeSender = () => senderLoop.wake();
  const now = () => clock.now();
  const runReconcile = makeReconcileJob({
    db,
    peeker,
    publisher,
    sandbox: config.peeker.sandbox,
    now,
    logger,
    runner: workerId,
    wakeSender,
    after: afterReconcileSteps({
      db,
      peeker,
      publisher,
      now,
      sequencerLogin: () => sequencerLoginOf(config),
      wakeSender,
      // Must match the heartbeat period of the timer (src/jobs/intent-sweep-timer.ts), or a live owner looks dead.
      heartbeatStaleMs: heartbeatStaleMs(config.intentSweepSeconds * 1000),
    }),
  });
  return { peeker, publisher, sender, senderLoop, runReconcile };
}

/**
 * Work that must follow every reconcile (src/pending/reconcile.ts `AfterReconcileStep`). Issue #5 adds
 * `completeQueuedReorders` here: place each queued corrected order once its original order is `cancelled`.
 */
function afterReconcileSteps(deps: QueuedReorderDeps & IntentSweeperDeps): AfterReconcileStep[] {
  // A queued reorder whose original order reconciliation found cancelled is placed now (design §3).
  return [
    // First: a card whose process died mid-write is completed or released (design §6) before anything else runs.
    { name: "intent-sweeper", run: async ({ signal }) => void (await sweepIntents(deps, signal)) },
    { name: "queued-reorders", run: async () => void (await completeQueuedReorders(deps)) },
    // A card following its corrected order resolves even when that order's webhook never arrived.
    { name: "corrected-orders", run: async () => void (await followAllCorrectedOrders(deps)) },
  ];
}

/** The sequencer login from configuration, read when an order is placed (never copied anywhere). */
function sequencerLoginOf(config: Config): { email?: string; password?: string } {
  return { email: config.peeker.sequencerLoginEmail, password: config.peeker.sequencerLoginPassword };
}

export interface ReconcileOnce {
  slot: string;
  outcome: ReconcileOutcome;
  /** Cards this run changed that were still not shown in Slack when the wait (≤ 60 s) ended. */
  unsent: number;
}

/**
 * `npm run reconcile`: one reconcile in this minute's manual slot (a second request in the minute, here or in
 * Slack, runs nothing), then up to 60 s for the cards it queued to be posted, by this process's own sender or a
 * running bot's (whoever holds the channel's lease). With the embedded database it joins a running bot's server
 * rather than start (and so stop) it.
 */
export async function runReconcileOnce(config: Config, deps: BotDependencies): Promise<ReconcileOnce> {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  const workerId = newWorkerId();
  const running = config.databaseUrl ? undefined : await runningEmbeddedUrl(config.dataDir);
  const { database, embedded } = running
    ? { database: openDatabase(running, logger, poolOptionsOf(config, "main")), embedded: undefined }
    : await openMigratedDatabase(config, logger);
  const { db } = database;
  const { peeker, sender, senderLoop, runReconcile } = buildCore(config, {
    db,
    logger,
    clock,
    workerId,
    metrics: createMetrics(),
    senderPollMs: 250,
    // Queued reorders placed from here are audited with their request ids like any other flow.
    onPeekerCall: recordPeekerCall,
  });
  senderLoop.start();
  try {
    const since = await databaseNow(db);
    const slot = manualSlot(clock.now());
    const outcome = await runReconcile(slot);
    const deadline = Date.now() + 60_000;
    let unsent = await unsentCardsSince(db, config.slack.channelId, since);
    while (unsent > 0 && Date.now() < deadline) {
      senderLoop.wake();
      await new Promise((resolve) => setTimeout(resolve, 250));
      unsent = await unsentCardsSince(db, config.slack.channelId, since);
    }
    return { slot, outcome, unsent };
  } finally {
    sender.stop();
    await senderLoop.stop();
    await peeker.close();
    await database.close();
    await embedded?.stop();
  }
}
