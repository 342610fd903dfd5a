import type pg from "pg";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Every counter the bot exposes on GET /metrics, in one registry per process (tests build their own).
 * Gauges that describe the database (inbox depth and lag, failed events) are filled at scrape time.
 */
export function createMetrics() {
  const registry = new Registry();
  // Process metrics (CPU, RSS, heap, event-loop lag, GC pauses, handles), prefixed process_/nodejs_ as usual.
  collectDefaultMetrics({ register: registry });
  const pools = new Map<string, pg.Pool>();
  return {
    registry,
    ...intakeMetrics(registry),
    ...callMetrics(registry),
    ...jobMetrics(registry),
    ...queueMetrics(registry),
    ...poolMetrics(registry, pools),
    /** Reports this pool's connection counts on every scrape, as `peeker_db_pool_connections{pool=name}`. */
    observePool(name: string, pool: pg.Pool): void {
      pools.set(name, pool);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The webhook intake and the inbox it fills; depth, lag and failures are filled at scrape time. */
function intakeMetrics(registry: Registry) {
  return {
    webhooks: new Counter({
      name: "peeker_webhooks_total",
      help: "Webhook deliveries by outcome (accepted, duplicate, rejected, unavailable) and rejection reason",
      labelNames: ["outcome", "reason"] as const,
      registers: [registry],
    }),
    webhookSeconds: new Histogram({
      name: "peeker_webhook_ack_seconds",
      help: "Time from request to answer for webhook deliveries",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    webhooksInFlight: new Gauge({
      name: "peeker_webhooks_in_flight",
      help: "Webhook deliveries being verified and stored now (above the intake pool size, the inbox processor yields)",
      registers: [registry],
    }),
    eventsProcessed: new Counter({
      name: "peeker_events_processed_total",
      help: "Inbox events by outcome (processed, retried, failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    inboxLeaseRenewals: new Counter({
      name: "peeker_inbox_lease_renewals_total",
      help: "Inbox lease renewals per event by outcome (renewed, error, lost: taken or expired, so not applied)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    inboxDepth: new Gauge({
      name: "peeker_inbox_depth",
      help: "Unprocessed inbox events",
      registers: [registry],
    }),
    inboxLagSeconds: new Gauge({
      name: "peeker_inbox_lag_seconds",
      help: "Age of the oldest unprocessed inbox event",
      registers: [registry],
    }),
    eventsFailed: new Gauge({
      name: "peeker_events_failed",
      help: "Inbox events that failed after every attempt (shown in /peeker status)",
      registers: [registry],
    }),
  };
}

/** Calls to Slack and Peeker, and the cards the Slack sender posts and edits. */
function callMetrics(registry: Registry) {
  return {
    cards: new Counter({
      name: "peeker_slack_cards_total",
      help: "Cards posted and edited",
      labelNames: ["action"] as const,
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: "peeker_slack_calls_total",
      help: "Slack Web API calls by method and outcome (ok, rate_limited, error, unknown)",
      labelNames: ["method", "outcome"] as const,
      registers: [registry],
    }),
    slackRateLimited: new Counter({
      name: "peeker_slack_rate_limited_total",
      help: "Slack 429 answers",
      labelNames: ["method"] as const,
      registers: [registry],
    }),
    peekerCalls: new Counter({
      name: "peeker_api_calls_total",
      help: "Peeker API calls by route and outcome",
      labelNames: ["route", "outcome"] as const,
      registers: [registry],
    }),
  };
}

/** The cron jobs: digest, nudges, retention and their last runs. */
function jobMetrics(registry: Registry) {
  return {
    digests: new Counter({
      name: "peeker_digests_total",
      help: "Digest runs by outcome (posted, skipped = another replica had the slot, failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    nudges: new Counter({
      name: "peeker_sla_nudges_total",
      help: "SLA nudges queued as thread replies",
      registers: [registry],
    }),
    // Read from the `runs` table at scrape time, so every replica reports the same last reconcile/digest/nudge.
    jobLastRunSeconds: new Gauge({
      name: "peeker_job_last_run_timestamp_seconds",
      help: "When the last run of a cron job (reconcile, digest, nudge) started, Unix seconds",
      labelNames: ["job"] as const,
      registers: [registry],
    }),
    jobLastRunOk: new Gauge({
      name: "peeker_job_last_run_ok",
      help: "1 when the last finished run of a cron job succeeded, 0 when it failed",
      labelNames: ["job"] as const,
      registers: [registry],
    }),
    jobLastRunCount: new Gauge({
      name: "peeker_job_last_run_count",
      help: "Counts recorded by the last finished run of a cron job (reconcile drift: opened, resolved, …)",
      labelNames: ["job", "count"] as const,
      registers: [registry],
    }),
    retentionPruned: new Counter({
      name: "peeker_retention_pruned_total",
      help: "Rows removed by retention (RETENTION_DAYS), per table",
      labelNames: ["table"] as const,
      registers: [registry],
    }),
  };
}

/** What the queue holds: pending actions, their SLA, and the Slack outbox. */
function queueMetrics(registry: Registry) {
  return {
    openActions: new Gauge({
      name: "peeker_open_actions",
      help: "Pending actions not yet resolved, per reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    slaBreached: new Gauge({
      name: "peeker_sla_breached_actions",
      help: "Open pending actions past their SLA (SLA_MINUTES), per reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    pendingActions: new Counter({
      name: "peeker_pending_actions_total",
      help: "Pending-action state changes (opened, updated, resolved, reopened)",
      labelNames: ["change"] as const,
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: "peeker_outbox_depth",
      help: "Slack outbox entries not yet sent, per channel and kind (card, thread_line)",
      labelNames: ["channel", "kind"] as const,
      registers: [registry],
    }),
  };
}

/** Database pools, read from each registered pg.Pool at scrape time. */
function poolMetrics(registry: Registry, pools: ReadonlyMap<string, pg.Pool>) {
  return {
    // Read from each pg.Pool at scrape time (observePool); a `waiting` above 0 for long = pool too small.
    poolConnections: new Gauge({
      name: "peeker_db_pool_connections",
      help: "Connections of each database pool (main, intake) by state: total, idle, waiting (requests queued)",
      labelNames: ["pool", "state"] as const,
      registers: [registry],
      collect() {
        for (const [name, pool] of pools) {
          this.set({ pool: name, state: "total" }, pool.totalCount);
          this.set({ pool: name, state: "idle" }, pool.idleCount);
          this.set({ pool: name, state: "waiting" }, pool.waitingCount);
        }
      },
    }),
  };
}
