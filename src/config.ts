import { validate as validateCron } from "node-cron";
import type { PendingReasonSla } from "./pending/reason-sla.js";

/**
 * The runtime contract of design §3, parsed once from an environment object (tests pass a literal) into a
 * frozen, typed value. Every bad variable is collected so one message names them all.
 */

// The shape is the domain's (design §2: pending never imports the config); re-exported for the wiring.
export type { PendingReasonSla };

export interface Config {
  readonly slack: {
    readonly botToken: string;
    /** Absent only in Socket Mode. */
    readonly signingSecret: string | undefined;
    /** Present = Socket Mode. */
    readonly appToken: string | undefined;
    readonly channelId: string;
    /** Slack user ids (U…/W…) and user-group ids (S…); empty = everyone may claim and resolve. */
    readonly operators: readonly string[];
    readonly apiUrl: string;
    /**
     * How long a modal submit or a slash command waits for its outcome before acking "Working…" and answering
     * later, ms (default 2200). Slack gives up on an ack after 3 s, so production keeps it under that; tests raise
     * it so a loaded machine never takes the "Working…" path by accident.
     */
    readonly answerWindowMs: number;
  };
  readonly peeker: {
    readonly apiKey: string;
    readonly sandbox: boolean;
    readonly apiUrl: string;
    /** Empty = poll-only mode: the webhook route answers 404 and reconciliation is the only source. */
    readonly webhookSecrets: readonly string[];
    readonly webhookToleranceSeconds: number;
    readonly sequencerLoginEmail: string | undefined;
    readonly sequencerLoginPassword: string | undefined;
    /**
     * The bot's own budget of Peeker calls per minute (default 480, 80 % of Peeker's 600/min per key). Raise it
     * only when Peeker raised your key's limit.
     */
    readonly requestsPerMinute: number;
    /** Overall deadline of a Peeker call a person waits for (no retry), ms (default 2500, design §5). */
    readonly interactiveDeadlineMs: number;
  };
  /**
   * Unset = embedded PostgreSQL under `dataDir/postgres` (DATABASE_URL unset, or `embedded` to choose it where
   * NODE_ENV=production would otherwise refuse it).
   */
  readonly databaseUrl: string | undefined;
  readonly database: {
    /** Connections of the main pool (DATABASE_POOL_MAX, default 10). */
    readonly poolMax: number;
    /** Connections of the webhook intake's own pool (DATABASE_INTAKE_POOL_MAX, default 10). */
    readonly intakePoolMax: number;
    /** Server-side statement timeout, ms (DATABASE_STATEMENT_TIMEOUT_MS, default 5000). */
    readonly statementTimeoutMs: number;
  };
  readonly inbox: {
    /** Events worked on at once (INBOX_CONCURRENCY, default 4; below DATABASE_POOL_MAX). */
    readonly concurrency: number;
    /** Events claimed per round trip (INBOX_BATCH_SIZE, default 25). */
    readonly batchSize: number;
    /**
     * EVENT_COALESCING (`on` by default, `off`): one re-read answers every waiting event of a resource (issue #14).
     * `off` re-reads Peeker once per event, as before; it exists so `npm run bench:burst` can show the difference.
     */
    readonly coalesce: boolean;
    /**
     * Re-reads the inbox may start at once before they are paced to the Peeker budget's rate
     * (INBOX_REREAD_BURST, default 20; src/jobs/reread-pacing.ts).
     */
    readonly rereadBurst: number;
  };
  /** Days audit rows, sent thread lines and card posts, and resolved actions are kept (RETENTION_DAYS, 90). */
  readonly retentionDays: number;
  /** Hourly by default; the retention run prunes in small batches in its own slot. `undefined` = off. */
  readonly retentionCron: string | undefined;
  /** Set = GET /metrics is served on this port only, not on PORT (keep it off the internet). */
  readonly metricsPort: number | undefined;
  readonly port: number;
  /** `undefined` = switched off with `off`. */
  readonly reconcileCron: string | undefined;
  readonly digestCron: string | undefined;
  readonly digestTimezone: string;
  /** SLA nudge scan; `undefined` = switched off with `off`. */
  readonly nudgeCron: string | undefined;
  /** Minutes an open action may wait before it counts as breached, per reason, with a `default`. */
  readonly slaMinutes: PendingReasonSla;
  readonly cardBacklogLimit: number;
  /**
   * SHUTDOWN_DRAIN_SECONDS: on SIGTERM, the longest the bot waits for interactive work already under way (a
   * submit answered "Working…", a slash command answering through response_url) before its loops and pools stop.
   */
  readonly shutdownDrainSeconds: number;
  /**
   * INTENT_SWEEP_SECONDS: how often every replica (not slotted) refreshes its worker heartbeat and settles cards a
   * stopped or failed flow left mid-write, independently of reconcile walks (design §6).
   */
  readonly intentSweepSeconds: number;
  readonly dataDir: string;
  readonly logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `The bot cannot start: ${problems.length} setting${problems.length === 1 ? " is" : "s are"} missing or invalid.\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        "\nSet them in the environment or in a .env file (see .env.example).",
    );
    this.name = "ConfigError";
  }
}

export const DEFAULT_SLA_MINUTES =
  "update_nameservers=1440,replace_domain=240,profile_picture_not_accessible=240,default=240";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const required = (name: string, example: string): string => {
    const value = read(name);
    if (value === undefined) problems.push(`${name} is required (for example ${example}).`);
    return value ?? "";
  };
  const matching = (name: string, value: string | undefined, pattern: RegExp, expected: string) => {
    if (value !== undefined && value !== "" && !pattern.test(value)) {
      problems.push(`${name} is malformed: expected ${expected}.`);
    }
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${truncate(raw)}").`);
      return fallback;
    }
    return Number(raw);
  };
  const onOff = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === "on" || raw === "off") return raw === "on";
    problems.push(`${name} must be "on" or "off" (got "${truncate(raw)}").`);
    return fallback;
  };
  const url = (name: string, fallback: string): string => {
    const raw = read(name) ?? fallback;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("protocol");
      return raw;
    } catch {
      problems.push(`${name} must be an http(s) URL such as ${fallback} (got "${truncate(raw)}").`);
      return fallback;
    }
  };
  const cron = (name: string, fallback: string): string | undefined => {
    const raw = read(name) ?? fallback;
    if (raw.toLowerCase() === "off") return undefined;
    if (!validateCron(raw)) {
      problems.push(
        `${name} must be a cron expression such as "${fallback}" (a seconds field is allowed) or "off" (got "${truncate(raw)}").`,
      );
    }
    return raw;
  };

  const botToken = required("SLACK_BOT_TOKEN", "xoxb-1234-5678-abc");
  matching("SLACK_BOT_TOKEN", botToken, /^xoxb-[A-Za-z0-9-]+$/, "a bot token starting with xoxb-");
  const appToken = read("SLACK_APP_TOKEN");
  matching("SLACK_APP_TOKEN", appToken, /^xapp-[A-Za-z0-9-]+$/, "an app-level token starting with xapp-");
  const signingSecret = read("SLACK_SIGNING_SECRET");
  if (appToken === undefined && signingSecret === undefined) {
    problems.push(
      "SLACK_SIGNING_SECRET is required unless Socket Mode is used (set SLACK_APP_TOKEN=xapp-… for Socket Mode); find it under Basic Information → App Credentials.",
    );
  }
  const channelId = required("SLACK_CHANNEL_ID", "C0123456789");
  matching(
    "SLACK_CHANNEL_ID",
    channelId,
    /^[CG][A-Z0-9]{6,}$/,
    "a channel id such as C0123456789 (not a #name)",
  );
  const operators = list(read("SLACK_OPERATORS"));
  const badOperators = operators.filter((id) => !/^[UWS][A-Z0-9]{6,}$/.test(id));
  if (badOperators.length > 0) {
    problems.push(
      `SLACK_OPERATORS must list Slack user ids (U…/W…) and user-group ids (S…), comma separated (bad: ${badOperators.map(truncate).join(", ")}).`,
    );
  }
  const slackApiUrl = ensureTrailingSlash(url("SLACK_API_URL", "https://slack.com/api/"));
  const answerWindowMs = integer("SLACK_ANSWER_WINDOW_MS", 2200, 100, 60_000);

  const apiKey = required("PEEKER_API_KEY", "pk_test_…");
  matching(
    "PEEKER_API_KEY",
    apiKey,
    /^pk_(test|live)_[A-Za-z0-9_-]+$/,
    "a key starting with pk_test_ or pk_live_",
  );
  const peekerApiUrl = url("PEEKER_API_URL", "https://api.peeker.ai/partner/v1").replace(/\/+$/, "");
  const webhookSecrets = list(read("PEEKER_WEBHOOK_SECRET"));
  const webhookToleranceSeconds = integer("PEEKER_WEBHOOK_TOLERANCE_SECONDS", 300, 1, 3600);
  const sequencerLoginEmail = read("PEEKER_SEQUENCER_LOGIN_EMAIL");
  matching("PEEKER_SEQUENCER_LOGIN_EMAIL", sequencerLoginEmail, /^[^\s@]+@[^\s@]+$/, "an email address");
  const sequencerLoginPassword = read("PEEKER_SEQUENCER_LOGIN_PASSWORD");
  const requestsPerMinute = integer("PEEKER_REQUESTS_PER_MINUTE", 480, 1, 1_000_000);
  const interactiveDeadlineMs = integer("PEEKER_INTERACTIVE_DEADLINE_MS", 2500, 100, 60_000);

  const databaseUrl = databaseUrlOf(read("DATABASE_URL"), read("NODE_ENV") === "production", problems);
  const database = {
    poolMax: integer("DATABASE_POOL_MAX", 10, 2, 1000),
    intakePoolMax: integer("DATABASE_INTAKE_POOL_MAX", 10, 1, 1000),
    statementTimeoutMs: integer("DATABASE_STATEMENT_TIMEOUT_MS", 5000, 100, 600_000),
  };
  const inbox = {
    concurrency: integer("INBOX_CONCURRENCY", 4, 1, 256),
    batchSize: integer("INBOX_BATCH_SIZE", 25, 1, 1000),
    coalesce: onOff("EVENT_COALESCING", true),
    rereadBurst: integer("INBOX_REREAD_BURST", 20, 1, 10_000),
  };
  if (inbox.concurrency >= database.poolMax) {
    // Each event in flight holds a connection at times; the pool must keep some for cards, commands and cron.
    problems.push(
      `INBOX_CONCURRENCY (${inbox.concurrency}) must be below DATABASE_POOL_MAX (${database.poolMax}); raise the pool or lower the concurrency.`,
    );
  }
  const retentionDays = integer("RETENTION_DAYS", 90, 1, 36_500);
  const retentionCron = cron("RETENTION_CRON", "17 * * * *");
  const metricsPortRaw = read("METRICS_PORT");
  const metricsPort = metricsPortRaw === undefined ? undefined : integer("METRICS_PORT", 0, 0, 65535);
  const port = integer("PORT", 3000, 0, 65535);
  const reconcileCron = cron("RECONCILE_CRON", "*/5 * * * *");
  const digestCron = cron("DIGEST_CRON", "0 9 * * 1-5");
  const nudgeCron = cron("NUDGE_CRON", "* * * * *");
  const digestTimezone = read("DIGEST_TIMEZONE") ?? "UTC";
  if (!isTimeZone(digestTimezone)) {
    problems.push(
      `DIGEST_TIMEZONE must be an IANA time zone such as Europe/Paris (got "${truncate(digestTimezone)}").`,
    );
  }
  const slaMinutes = parseSla(read("SLA_MINUTES") ?? DEFAULT_SLA_MINUTES, problems);
  const cardBacklogLimit = integer("CARD_BACKLOG_LIMIT", 100, 1, 100_000);
  // Bounded: a replica told to stop must go within its orchestrator's grace period (Kubernetes: 30 s by default).
  const shutdownDrainSeconds = integer("SHUTDOWN_DRAIN_SECONDS", 15, 0, 120);
  const intentSweepSeconds = integer("INTENT_SWEEP_SECONDS", 30, 1, 300);
  const dataDir = read("DATA_DIR") ?? "./.data";
  const logLevel = read("LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}.`);

  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    slack: {
      botToken,
      signingSecret,
      appToken,
      channelId,
      operators,
      apiUrl: slackApiUrl,
      answerWindowMs,
    },
    peeker: {
      apiKey,
      sandbox: apiKey.startsWith("pk_test_"),
      apiUrl: peekerApiUrl,
      webhookSecrets,
      webhookToleranceSeconds,
      sequencerLoginEmail,
      sequencerLoginPassword,
      requestsPerMinute,
      interactiveDeadlineMs,
    },
    databaseUrl,
    database,
    inbox,
    retentionDays,
    retentionCron,
    metricsPort,
    port,
    reconcileCron,
    digestCron,
    digestTimezone,
    nudgeCron,
    slaMinutes,
    cardBacklogLimit,
    shutdownDrainSeconds,
    intentSweepSeconds,
    dataDir,
    logLevel,
  });
}

/** The values that must never reach a log line, an audit row or Slack; the log test greps for them. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.peeker.apiKey,
    config.peeker.sequencerLoginPassword,
    ...config.peeker.webhookSecrets,
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/**
 * No silent data loss: the embedded database lives in DATA_DIR, which a container loses on every redeploy, so
 * under NODE_ENV=production it is used only when asked for by name (`DATABASE_URL=embedded`).
 */
function databaseUrlOf(raw: string | undefined, production: boolean, problems: string[]): string | undefined {
  if (raw?.toLowerCase() === "embedded") return undefined;
  if (raw === undefined) {
    if (production) {
      problems.push(
        "DATABASE_URL is required when NODE_ENV=production: without it the bot would keep its data in an embedded database under DATA_DIR, which a redeployed container loses. Set DATABASE_URL=postgres://user:password@host:5432/db, or DATABASE_URL=embedded to keep the embedded database on purpose (DATA_DIR on a persistent volume).",
      );
    }
    return undefined;
  }
  if (!/^postgres(ql)?:\/\/.+/.test(raw)) {
    problems.push(
      "DATABASE_URL is malformed: expected a URL such as postgres://user:password@host:5432/db, `embedded`, or leave it unset for the embedded database.",
    );
  }
  return raw;
}

function parseSla(raw: string, problems: string[]): PendingReasonSla {
  const result: Record<string, number> = {};
  for (const entry of list(raw)) {
    const match = /^([a-z_]+)=(\d+)$/.exec(entry);
    if (!match || Number(match[2]) < 1) {
      problems.push(
        `SLA_MINUTES must be reason=minutes pairs, comma separated, such as "${DEFAULT_SLA_MINUTES}" (bad entry "${truncate(entry)}").`,
      );
      continue;
    }
    result[match[1]!] = Number(match[2]);
  }
  return { default: 240, ...result };
}

function list(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function ensureTrailingSlash(value: string): string {
  return value.endsWith("/") ? value : `${value}/`;
}

/** Error messages quote what was given, shortened, so a pasted secret is never echoed whole. */
function truncate(value: string): string {
  return value.length > 24 ? `${value.slice(0, 12)}…` : value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
