import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Paths pino blanks before a line is written. Secrets must never reach a log line (design §6); these cover the
 * places a secret could sit in a structured log object. Values that reach a message string are never secrets:
 * code logs ids, statuses and request ids only.
 */
const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "password",
  "*.password",
  "login_password",
  "*.login_password",
  "*.*.login_password",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "signature",
  "*.signature",
  'headers["peeker-signature"]',
  'headers["x-slack-signature"]',
];

export interface LoggerOptions {
  level: string;
  /** A destination stream (tests capture logs to check no secret leaks). Defaults to stdout. */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? "peeker-bot",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination(1),
  );
}

/** A logger that writes nothing (unit tests, one-shot CLI helpers). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
