import { validate as validateCron } from "node-cron";

/**
 * How `loadConfig` reads the environment: every reader records what is wrong instead of throwing, so one
 * ConfigError names every bad variable, and answers a fallback so parsing goes on to the next one.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvReader {
  /** What is missing or invalid so far, in the order the variables were read. */
  readonly problems: string[];
  /** The trimmed value; an empty one counts as unset. */
  read(name: string): string | undefined;
  required(name: string, example: string): string;
  /** Records a problem when a set value does not match; an unset one is left to `required`. */
  matching(name: string, value: string | undefined, pattern: RegExp, expected: string): void;
  integer(name: string, fallback: number, min: number, max: number): number;
  onOff(name: string, fallback: boolean): boolean;
  url(name: string, fallback: string): string;
  /** `undefined` = switched off with `off`. */
  cron(name: string, fallback: string): string | undefined;
}

export function envReader(env: Env): EnvReader {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    problems,
    read,
    required(name, example) {
      const value = read(name);
      if (value === undefined) problems.push(`${name} is required (for example ${example}).`);
      return value ?? "";
    },
    matching(name, value, pattern, expected) {
      if (value !== undefined && value !== "" && !pattern.test(value)) {
        problems.push(`${name} is malformed: expected ${expected}.`);
      }
    },
    integer(name, fallback, min, max) {
      const raw = read(name);
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
        problems.push(`${name} must be a whole number from ${min} to ${max} (got "${truncate(raw)}").`);
        return fallback;
      }
      return Number(raw);
    },
    onOff(name, fallback) {
      const raw = read(name)?.toLowerCase();
      if (raw === undefined) return fallback;
      if (raw === "on" || raw === "off") return raw === "on";
      problems.push(`${name} must be "on" or "off" (got "${truncate(raw)}").`);
      return fallback;
    },
    url(name, fallback) {
      const raw = read(name) ?? fallback;
      try {
        const parsed = new URL(raw);
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("protocol");
        return raw;
      } catch {
        problems.push(`${name} must be an http(s) URL such as ${fallback} (got "${truncate(raw)}").`);
        return fallback;
      }
    },
    cron(name, fallback) {
      const raw = read(name) ?? fallback;
      if (raw.toLowerCase() === "off") return undefined;
      if (!validateCron(raw)) {
        problems.push(
          `${name} must be a cron expression such as "${fallback}" (a seconds field is allowed) or "off" (got "${truncate(raw)}").`,
        );
      }
      return raw;
    },
  };
}

/** A comma-separated variable, entries trimmed, empty ones dropped. */
export function list(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Error messages quote what was given, shortened, so a pasted secret is never echoed whole. */
export function truncate(value: string): string {
  return value.length > 24 ? `${value.slice(0, 12)}…` : value;
}
