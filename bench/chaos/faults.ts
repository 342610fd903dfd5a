import type { PeekerSim } from "../../test/support/peeker-sim/server.js";
import type { SlackFake } from "../../test/support/slack-fake/index.js";
import type { Prng } from "./prng.js";

/**
 * Bursts of what Peeker and Slack do on a bad day, through their fakes' own fault controls: Peeker 429s (with
 * `retry_after_seconds`), 5xx, dropped connections and slow answers (test/support/peeker-sim/faults.ts);
 * Slack 5xx windows, channel rate limits (429 + Retry-After) and a post whose answer is lost after it was
 * stored (test/support/slack-fake/faults.ts).
 */
export interface FaultLog {
  peeker: Record<string, number>;
  slack: Record<string, number>;
}

export interface FaultInjector {
  /** One tick (about a second): maybe start a burst. */
  tick(): void;
  /** Ends every burst; the fakes answer normally from now on. */
  clear(): void;
  log(): FaultLog;
}

export function createFaultInjector(
  sim: PeekerSim,
  slack: SlackFake,
  channel: string,
  prng: Prng,
): FaultInjector {
  const log: FaultLog = { peeker: {}, slack: {} };
  const count = (side: Record<string, number>, what: string) => {
    side[what] = (side[what] ?? 0) + 1;
  };
  const timers = new Set<NodeJS.Timeout>();
  const after = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const peekerBurst = () => {
    const roll = prng.next();
    if (roll < 0.35) {
      count(log.peeker, "429 burst");
      sim.control.injectFault({
        times: prng.int(3, 10),
        fault: { kind: "rate_limited", retryAfterSeconds: prng.int(1, 3) },
      });
    } else if (roll < 0.7) {
      count(log.peeker, "5xx burst");
      sim.control.injectFault({
        times: prng.int(5, 20),
        fault: { kind: "error", status: prng.pick([500, 502, 503])!, code: "internal_error" },
      });
    } else if (roll < 0.85) {
      count(log.peeker, "dropped connections");
      sim.control.injectFault({ times: prng.int(2, 6), fault: { kind: "drop" } });
    } else {
      count(log.peeker, "slow answers");
      sim.control.injectFault({
        times: prng.int(3, 10),
        fault: { kind: "latency", ms: prng.int(1_000, 4_000) },
      });
    }
  };

  const slackBurst = () => {
    const roll = prng.next();
    if (roll < 0.4) {
      count(log.slack, "5xx window");
      slack.failWith5xx({ status: prng.pick([500, 503])!, forMs: prng.int(1_500, 4_000) });
    } else if (roll < 0.85) {
      count(log.slack, "429 window");
      slack.rateLimit({ channel, perSecond: 0.5, retryAfterSeconds: prng.int(1, 3) });
      after(prng.int(3_000, 6_000), () => slack.clearRateLimit(channel));
    } else {
      count(log.slack, "post stored, answer lost");
      slack.resetAfterPost(1);
    }
  };

  return {
    tick() {
      if (prng.chance(0.12)) peekerBurst();
      if (prng.chance(0.12)) slackBurst();
    },
    clear() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      sim.control.clearFaults();
      slack.clear5xx();
      slack.clearRateLimit();
      slack.resetAfterPost(0);
    },
    log: () => ({ peeker: { ...log.peeker }, slack: { ...log.slack } }),
  };
}
