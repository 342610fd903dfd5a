import type { Route } from "../bot/app.js";
import type { Drain } from "../bot/drain.js";
import { healthz, makeReadyz } from "../bot/routes/health.js";
import { makeMetricsRoute } from "../bot/routes/metrics.js";
import { makePeekerWebhookRoute } from "../bot/routes/peeker-webhooks.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { insertWebhookEvent } from "../db/inbox-intake.repository.js";
import { isMigrated } from "../db/migrate.js";
import type { DatabaseHandle } from "../db/pool.js";
import { makeGaugeRefresher } from "../jobs/metrics-gauges.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { IntakePressure } from "./intake-pressure.js";

/** The HTTP routes beside Slack's: health, readiness, metrics and the Peeker webhook intake. */

export interface RoutesDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  database: DatabaseHandle;
  /** The latest migration, which /readyz expects applied. */
  latest: number;
  intakeDatabase: DatabaseHandle;
  drain: Drain;
  /** Wakes this process's inbox processor after an accepted event committed. */
  wakeInbox: () => void;
  /** Counts the deliveries in flight, for the processor's yield (src/app/intake-pressure.ts). */
  intakePressure?: IntakePressure;
}

export interface BotRoutes {
  /** The routes on the bot's port. */
  routes: Route[];
  /** GET /metrics, also served on METRICS_PORT when that is set. */
  metricsRoute: Route["handler"];
}

export function buildRoutes(deps: RoutesDeps): BotRoutes {
  const { config, metrics, clock } = deps;
  const metricsRoute = makeMetricsRoute(
    metrics,
    makeGaugeRefresher({
      db: deps.database.db,
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
      handler: makeReadyz({
        isReady: () => isMigrated(deps.database.pool, deps.latest),
        isDraining: () => deps.drain.draining,
      }),
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
          insert: (event) => insertWebhookEvent(deps.intakeDatabase.pool, event),
          insertDeadlineMs: 4500,
        },
        logger: deps.logger,
        metrics,
        onAccepted: deps.wakeInbox,
        inFlight: deps.intakePressure,
      }),
    },
  ];
  return { routes, metricsRoute };
}
