import { access, constants, mkdir } from "node:fs/promises";
import path from "node:path";
import { ErrorCode } from "@slack/web-api";
import pg from "pg";
import { createPeekerClient } from "../app/core.js";
import { createCheckClient } from "../bot/slack-clients.js";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { readMigrations } from "../db/migrate.js";
import { redactDatabaseUrl } from "../db/pool.js";
import { PeekerError } from "../peeker/errors.js";

/**
 * `npm run doctor`: checks every setting (through loadConfig, the same parser as start-up), then reaches Slack
 * (`auth.test`), Peeker (`GET /me`) and the database, and says what is wrong in words: one line per check,
 * `✗` for a problem. Non-zero exit on any problem. Nothing here prints a secret: tokens and keys are only sent.
 * The Slack and Peeker clients come from the same factories as the bot's (one try each, a short timeout); the
 * database is only connected to, never migrated.
 */

export interface DoctorLine {
  level: "ok" | "problem" | "note";
  text: string;
}

export interface DoctorReport {
  lines: DoctorLine[];
  problems: number;
}

const TIMEOUT_MS = 5000;

export async function runDoctor(env: Readonly<Record<string, string | undefined>>): Promise<DoctorReport> {
  const lines: DoctorLine[] = [];
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) lines.push({ level: "problem", text: `Settings: ${problem}` });
    lines.push({
      level: "note",
      text: "Fix the settings above, then run `npm run doctor` again to reach Slack, Peeker and the database.",
    });
    return report(lines);
  }
  lines.push({ level: "ok", text: `Settings: every variable is valid (${summary(config)}).` });
  const checks = await Promise.all([checkSlack(config), checkPeeker(config), checkDatabase(config)]);
  lines.push(...checks.flat());
  return report(lines);
}

export function formatLine(line: DoctorLine): string {
  const mark = line.level === "ok" ? "✓" : line.level === "problem" ? "✗" : "·";
  return `${mark} ${line.text}`;
}

function report(lines: DoctorLine[]): DoctorReport {
  return { lines, problems: lines.filter((l) => l.level === "problem").length };
}

function summary(config: Config): string {
  const parts = [
    `channel ${config.slack.channelId}`,
    config.slack.appToken ? "Socket Mode" : "HTTP mode",
    config.peeker.webhookSecrets.length > 0
      ? `${config.peeker.webhookSecrets.length} webhook secret(s)`
      : "poll-only (no PEEKER_WEBHOOK_SECRET)",
    `reconcile ${config.reconcileCron ?? "off"}`,
    `digest ${config.digestCron ? `${config.digestCron} ${config.digestTimezone}` : "off"}`,
    `operators ${config.slack.operators.length > 0 ? config.slack.operators.length : "everyone in the channel"}`,
  ];
  return parts.join(", ");
}

async function checkSlack(config: Config): Promise<DoctorLine[]> {
  const client = (token: string) => createCheckClient(config, token, TIMEOUT_MS);
  const lines: DoctorLine[] = [];
  try {
    const auth = await client(config.slack.botToken).auth.test();
    lines.push({
      level: "ok",
      text: `Slack: SLACK_BOT_TOKEN works: workspace ${auth.team ?? "?"} (${auth.team_id ?? "?"}), bot user ${auth.user ?? "?"} (${auth.user_id ?? "?"}).`,
    });
  } catch (error) {
    lines.push({ level: "problem", text: `Slack: ${slackProblem(error, "SLACK_BOT_TOKEN", config)}` });
    return lines;
  }
  if (config.slack.appToken) {
    try {
      await client(config.slack.appToken).apps.connections.open();
      lines.push({ level: "ok", text: "Slack: SLACK_APP_TOKEN opens a Socket Mode connection." });
    } catch (error) {
      lines.push({ level: "problem", text: `Slack: ${slackProblem(error, "SLACK_APP_TOKEN", config)}` });
    }
  }
  return lines;
}

function slackProblem(error: unknown, variable: string, config: Config): string {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number; message?: string };
  if (e.code === ErrorCode.PlatformError) {
    const code = e.data?.error ?? "unknown_error";
    if (["invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"].includes(code)) {
      return variable === "SLACK_APP_TOKEN"
        ? `Slack refused ${variable} (${code}): create an app-level token with the connections:write scope under Basic Information → App-Level Tokens.`
        : `Slack refused ${variable} (${code}): the token is wrong or was revoked; copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions after installing the app.`;
    }
    if (code === "not_allowed_token_type") return `${variable} is not the right kind of token (${code}).`;
    return `Slack answered ${code} to ${variable}.`;
  }
  if (e.code === ErrorCode.RateLimitedError) return "Slack is rate-limiting this app; try again in a minute.";
  if (e.code === ErrorCode.HTTPError)
    return `Slack answered HTTP ${e.statusCode ?? "?"} at ${config.slack.apiUrl}.`;
  return `cannot reach Slack at ${config.slack.apiUrl} (${shortMessage(e.message)}): check the network and SLACK_API_URL.`;
}

async function checkPeeker(config: Config): Promise<DoctorLine[]> {
  const peeker = createPeekerClient(config, { timeoutMs: TIMEOUT_MS, retry: { maxAttempts: 1 } });
  try {
    const { data } = await peeker.me();
    const environment = data.api_key.environment;
    const expected = config.peeker.sandbox ? "test" : "live";
    const lines: DoctorLine[] = [
      {
        level: "ok",
        text: `Peeker: PEEKER_API_KEY works: ${environment === "live" ? "live" : "sandbox"} key of ${data.partner.name} (${data.partner.id}), preset ${data.api_key.permission_preset}.`,
      },
    ];
    if (environment !== expected) {
      lines.push({
        level: "problem",
        text: `Peeker: the key looks like a ${expected === "test" ? "sandbox (pk_test_)" : "live (pk_live_)"} key but Peeker says it is ${environment}.`,
      });
    }
    if (data.api_key.permission_preset !== "full") {
      lines.push({
        level: "note",
        text: `Peeker: with the ${data.api_key.permission_preset} preset the bot shows actions but cannot resolve them (swaps and reorders need a full key).`,
      });
    }
    return lines;
  } catch (error) {
    return [{ level: "problem", text: `Peeker: ${peekerProblem(error, config)}` }];
  } finally {
    await peeker.close();
  }
}

function peekerProblem(error: unknown, config: Config): string {
  if (error instanceof PeekerError) {
    const request = error.requestId ? ` (request ${error.requestId})` : "";
    if (error.code === "unauthorized") {
      return `Peeker refused PEEKER_API_KEY (401 unauthorized)${request}: the key is wrong or was revoked; create a new one in the Peeker dashboard.`;
    }
    if (error.code === "forbidden") return `Peeker refused GET /me (403 forbidden)${request}.`;
    if (error.code === "timeout" || error.code === "network_error") {
      return `cannot reach Peeker at ${config.peeker.apiUrl} (${error.code}): check the network and PEEKER_API_URL.`;
    }
    if (error.code === "not_found") {
      return `Peeker has no GET /me at ${config.peeker.apiUrl} (404): PEEKER_API_URL should end in /partner/v1.`;
    }
    return `Peeker answered ${error.status ?? "?"} ${error.code}${request} at ${config.peeker.apiUrl}.`;
  }
  return `cannot reach Peeker at ${config.peeker.apiUrl} (${shortMessage((error as Error)?.message)}).`;
}

async function checkDatabase(config: Config): Promise<DoctorLine[]> {
  if (!config.databaseUrl) {
    const dir = path.resolve(config.dataDir);
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      return [
        {
          level: "ok",
          text: `Database: DATABASE_URL is unset, so the bot runs an embedded PostgreSQL under ${path.join(dir, "postgres")} (writable).`,
        },
      ];
    } catch (error) {
      return [
        {
          level: "problem",
          text: `Database: DATA_DIR ${dir} is not writable (${shortMessage((error as Error).message)}); the embedded PostgreSQL needs it, or set DATABASE_URL.`,
        },
      ];
    }
  }
  const shown = redactDatabaseUrl(config.databaseUrl);
  const client = new pg.Client({
    connectionString: config.databaseUrl,
    connectionTimeoutMillis: TIMEOUT_MS,
    statement_timeout: TIMEOUT_MS,
  });
  // A refused connection also emits 'error'; without a listener it would crash the process instead of a line.
  client.on("error", () => {});
  try {
    await client.connect();
    const version = await client.query<{ server_version: string }>("SHOW server_version");
    const lines: DoctorLine[] = [
      {
        level: "ok",
        text: `Database: connected to ${shown} (PostgreSQL ${version.rows[0]?.server_version ?? "?"}).`,
      },
    ];
    const latest = (await readMigrations()).at(-1)?.version ?? 0;
    const applied = await client
      .query<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations")
      .then((r) => r.rows[0]?.version ?? 0)
      .catch(() => 0);
    if (applied < latest) {
      lines.push({
        level: "note",
        text: `Database: ${latest - applied} migration(s) not applied yet; the bot applies them at start-up (or run \`npm run migrate\`).`,
      });
    }
    return lines;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return [
      {
        level: "problem",
        text: `Database: cannot connect to ${shown} (${e.code ?? shortMessage(e.message)}): is PostgreSQL running there, and are DATABASE_URL's host, port, user and password right?`,
      },
    ];
  } finally {
    await client.end().catch(() => {});
  }
}

function shortMessage(message: string | undefined): string {
  return (message ?? "unknown error").split("\n")[0]!.slice(0, 160);
}
