import { type EnvReader, list, truncate } from "./config-env.js";
import type { PendingReasonSla } from "./pending/reason-sla.js";

export const DEFAULT_SLA_MINUTES =
  "update_nameservers=1440,replace_domain=240,profile_picture_not_accessible=240,default=240";

export interface RetentionSettings {
  /** Days audit rows, sent thread lines and card posts, and resolved actions are kept (RETENTION_DAYS, 90). */
  readonly retentionDays: number;
  /** Hourly by default; the retention run prunes in small batches in its own slot. `undefined` = off. */
  readonly retentionCron: string | undefined;
}

export interface ScheduleSettings {
  /** `undefined` = switched off with `off`. */
  readonly reconcileCron: string | undefined;
  readonly digestCron: string | undefined;
  readonly digestTimezone: string;
  /** SLA nudge scan; `undefined` = switched off with `off`. */
  readonly nudgeCron: string | undefined;
  /** Minutes an open action may wait before it counts as breached, per reason, with a `default`. */
  readonly slaMinutes: PendingReasonSla;
}

export function parseRetention(env: EnvReader): RetentionSettings {
  return {
    retentionDays: env.integer("RETENTION_DAYS", 90, 1, 36_500),
    retentionCron: env.cron("RETENTION_CRON", "17 * * * *"),
  };
}

export function parseSchedules(env: EnvReader): ScheduleSettings {
  const reconcileCron = env.cron("RECONCILE_CRON", "*/5 * * * *");
  const digestCron = env.cron("DIGEST_CRON", "0 9 * * 1-5");
  const nudgeCron = env.cron("NUDGE_CRON", "* * * * *");
  const digestTimezone = env.read("DIGEST_TIMEZONE") ?? "UTC";
  if (!isTimeZone(digestTimezone)) {
    env.problems.push(
      `DIGEST_TIMEZONE must be an IANA time zone such as Europe/Paris (got "${truncate(digestTimezone)}").`,
    );
  }
  const slaMinutes = parseSla(env.read("SLA_MINUTES") ?? DEFAULT_SLA_MINUTES, env.problems);
  return { reconcileCron, digestCron, digestTimezone, nudgeCron, slaMinutes };
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

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
