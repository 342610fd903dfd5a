import { request } from "undici";
import type { SimEvent } from "../../test/support/peeker-sim/state.js";
import { signDelivery } from "../../test/support/webhook-sender.js";
import type { Prng } from "./prng.js";

/**
 * Peeker's webhook deliveries as the bench plays them: every simulator event is signed and POSTed to a live bot
 * (a load balancer in front of two replicas), retried like Peeker on a non-2xx or a connection error (fresh
 * timestamp, same event id). With faults on, a delivery may be
 *   - dropped: the attempt is lost and Peeker retries later — or, for events reconciliation can stand in for,
 *     lost for good (never an `*.action_required` of a domain or an import: nothing but the webhook reveals
 *     those, design §3 "Re-reading Peeker");
 *   - duplicated: two or three copies at different moments;
 *   - delayed by up to 3 s, which reorders it against the events around it.
 */
export interface DeliveryStats {
  events: number;
  delivered: number;
  dropped: number;
  lostForGood: number;
  duplicated: number;
  delayed: number;
  failedAttempts: number;
  /** Muted on purpose: the change happened in Peeker with no webhook at all. */
  silent: number;
}

export interface Forwarder {
  /** Called by the simulator for every event. */
  onEvent(event: SimEvent): void;
  /** Runs `change` with its events suppressed (a Peeker change no webhook reports). */
  silently(change: () => void): void;
  setFaults(on: boolean): void;
  stats(): DeliveryStats;
  /** Deliveries scheduled or in flight. */
  inFlight(): number;
  stop(): void;
}

const MAX_ATTEMPTS = 12;

export function createForwarder(options: { secret: string; targets: () => string[]; prng: Prng }): Forwarder {
  const { prng } = options;
  const stats: DeliveryStats = {
    events: 0,
    delivered: 0,
    dropped: 0,
    lostForGood: 0,
    duplicated: 0,
    delayed: 0,
    failedAttempts: 0,
    silent: 0,
  };
  let faults = false;
  let muted = false;
  let stopped = false;
  let pending = 0;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, run: () => void) => {
    pending++;
    const timer = setTimeout(() => {
      timers.delete(timer);
      pending--;
      if (!stopped) run();
    }, ms);
    timers.add(timer);
  };

  const attempt = async (event: SimEvent, body: string, n: number): Promise<void> => {
    const target = prng.pick(options.targets());
    let ok = false;
    if (target) {
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await request(`${target}/peeker/webhooks`, {
          method: "POST",
          headers: signDelivery(body, { secret: options.secret, timestamp, eventId: event.id }),
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await response.body.text();
        ok = response.statusCode >= 200 && response.statusCode < 300;
      } catch {
        ok = false;
      }
    }
    if (ok) {
      stats.delivered++;
      return;
    }
    stats.failedAttempts++;
    // Peeker's retry: exponential, capped (its real schedule spans 24 h; the bench's a minute or two).
    if (n < MAX_ATTEMPTS)
      later(Math.min(1000 * 2 ** (n - 1), 15_000), () => void attempt(event, body, n + 1));
  };

  const deliver = (event: SimEvent, delayMs: number) => {
    const body = JSON.stringify(event);
    if (delayMs <= 0) void attempt(event, body, 1);
    else later(delayMs, () => void attempt(event, body, 1));
  };

  return {
    onEvent(event) {
      if (stopped) return;
      if (muted) {
        stats.silent++;
        return;
      }
      stats.events++;
      if (!faults) {
        deliver(event, 0);
        return;
      }
      if (prng.chance(0.12)) {
        stats.dropped++;
        const onlyWebhookReveals =
          event.type === "domain.action_required" || event.type === "domain_import.action_required";
        if (!onlyWebhookReveals && prng.chance(0.5)) {
          stats.lostForGood++;
          return;
        }
        deliver(event, prng.int(4_000, 15_000));
        return;
      }
      if (prng.chance(0.12)) {
        stats.duplicated++;
        const copies = prng.int(2, 3);
        for (let i = 0; i < copies; i++) deliver(event, prng.int(0, 2_500));
        return;
      }
      if (prng.chance(0.3)) {
        stats.delayed++;
        deliver(event, prng.int(200, 3_000));
        return;
      }
      deliver(event, 0);
    },
    silently(change) {
      muted = true;
      try {
        change();
      } finally {
        muted = false;
      }
    },
    setFaults(on) {
      faults = on;
    },
    stats: () => ({ ...stats }),
    inFlight: () => pending,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
