import { type DatabaseSettings, parseDatabase } from "./config-database.js";
import { type Env, envReader } from "./config-env.js";
import { type PeekerConfig, parsePeeker } from "./config-peeker.js";
import { type ProcessSettings, parseProcess, parseServer, type ServerSettings } from "./config-process.js";
import {
  parseRetention,
  parseSchedules,
  type RetentionSettings,
  type ScheduleSettings,
} from "./config-schedules.js";
import { parseSlack, type SlackConfig } from "./config-slack.js";
import type { PendingReasonSla } from "./pending/reason-sla.js";

/**
 * The runtime contract of design §3, parsed once from an environment object (tests pass a literal) into a
 * frozen, typed value. Every bad variable is collected so one message names them all.
 *
 * One part per concern, each with its variables, defaults and documentation: config-slack.ts,
 * config-peeker.ts, config-database.ts (with the inbox, bounded by the pool), config-schedules.ts (retention,
 * cron schedules, SLA), config-process.ts (ports, drain, sweep, data dir, log level); config-env.ts reads.
 */

export { DEFAULT_SLA_MINUTES } from "./config-schedules.js";
// The shape is the domain's (design §2: pending never imports the config); re-exported for the wiring.
export type { PendingReasonSla };

export interface Config
  extends DatabaseSettings,
    RetentionSettings,
    ServerSettings,
    ScheduleSettings,
    ProcessSettings {
  readonly slack: SlackConfig;
  readonly peeker: PeekerConfig;
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

export function loadConfig(env: Env): Config {
  const reader = envReader(env);
  // Read in this order (object literals evaluate left to right), so the problems are listed in it too.
  const config: Config = {
    slack: parseSlack(reader),
    peeker: parsePeeker(reader),
    ...parseDatabase(reader),
    ...parseRetention(reader),
    ...parseServer(reader),
    ...parseSchedules(reader),
    ...parseProcess(reader),
  };
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return deepFreeze(config);
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
