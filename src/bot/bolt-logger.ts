import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "../logger.js";

/** Bolt and the WebClient log through @slack/logger's interface; route them into our pino logger. */
export function boltLogger(logger: Logger, name = "bolt"): SlackLogger {
  const child = logger.child({ component: name });
  let level: LogLevel = LogLevel.INFO;
  const join = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : String(m))).join(" ");
  return {
    debug: (...msgs) => child.debug(join(msgs)),
    info: (...msgs) => child.info(join(msgs)),
    warn: (...msgs) => child.warn(join(msgs)),
    error: (...msgs) => child.error(join(msgs)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
