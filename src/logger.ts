import pino, { type Logger } from "pino";
import { createScrubber } from "./log-scrub.js";

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
  /** Configured secret values (`secretsOf(config)`), removed from every logged string at every level. */
  secrets?: readonly string[];
}

export function createLogger(options: LoggerOptions): Logger {
  const scrub = createScrubber(options.secrets);
  return pino(
    {
      level: options.level,
      name: options.name ?? "peeker-bot",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      serializers: { err: errorSerializer(scrub), error: errorSerializer(scrub) },
      hooks: {
        // Messages and format arguments are plain strings pino's redaction cannot reach (Bolt's and the Socket
        // Mode client's debug lines carry whole payloads): scrub them before they are written.
        logMethod(inputArgs, method) {
          // `logger.error(error)` makes the error's own message the line's `msg`, past the serializer.
          const args: unknown[] =
            inputArgs[0] instanceof Error && typeof inputArgs[1] !== "string"
              ? [{ err: inputArgs[0] }, inputArgs[0].message, ...inputArgs.slice(1)]
              : [...inputArgs];
          for (let i = 0; i < args.length; i++) {
            if (typeof args[i] === "string") args[i] = scrub(args[i] as string);
          }
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination(1),
  );
}

/** A logger that writes nothing (unit tests, one-shot CLI helpers). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

const ERROR_FIELDS = ["code", "status", "statusCode", "field", "requestId", "errno", "syscall"] as const;

/**
 * Errors with their type, message and stack, causes included (pino's own serializer does that), but only a few
 * known fields besides: pino's serializer copies every enumerable property, and an HTTP library's error can hold
 * the request it failed on, headers and token included. Strings are scrubbed like messages.
 */
export function errorSerializer(scrub: (text: string) => string) {
  return (value: unknown): unknown => {
    if (!(value instanceof Error)) {
      return value && typeof value === "object" && "message" in value
        ? { message: scrub(String((value as { message: unknown }).message)) }
        : value;
    }
    const full = pino.stdSerializers.err(value);
    const out: Record<string, unknown> = {
      type: full.type,
      message: scrub(full.message),
      stack: scrub(full.stack),
    };
    for (const field of ERROR_FIELDS) {
      const v = (value as unknown as Record<string, unknown>)[field];
      if (typeof v === "string" || typeof v === "number") out[field] = typeof v === "string" ? scrub(v) : v;
    }
    return out;
  };
}
