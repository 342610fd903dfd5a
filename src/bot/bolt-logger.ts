import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "../logger.js";

/**
 * Bolt and the WebClient log through @slack/logger's interface; route them into our pino logger. Their debug
 * lines carry raw payloads (a modal's typed password included) as plain strings: the logger's string scrubber
 * (src/log-scrub.ts, applied to every message) removes secrets from them. An Error among the arguments is logged
 * as `err`, with its stack.
 */
export function boltLogger(logger: Logger, name = "bolt"): SlackLogger {
  const child = logger.child({ component: name });
  let level: LogLevel = LogLevel.INFO;
  const join = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(" ");
  const withError = (msgs: unknown[]) => {
    const err = msgs.find((m) => m instanceof Error);
    return err ? { err } : {};
  };
  return {
    debug: (...msgs) => child.debug(join(msgs)),
    info: (...msgs) => child.info(join(msgs)),
    warn: (...msgs) => child.warn(withError(msgs), join(msgs)),
    error: (...msgs) => child.error(withError(msgs), join(msgs)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
