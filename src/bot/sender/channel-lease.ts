import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import {
  acquireChannelLease,
  afterChannelSend,
  releaseChannelLease,
} from "../../db/slack-channels.repository.js";
import type { Outcome } from "./slack-call.js";

/**
 * A channel's sender lease and pacing (design §5 "Slack sending"): one replica sends to a channel at a time,
 * about one message per second once Slack has rate-limited it, and waits out a Retry-After for that channel only.
 * How long to wait comes from the database's clock (replicas agree); the waiting itself is measured here with
 * `performance.now()`, which no clock change moves.
 */

export interface PacingOptions {
  workerId: string;
  leaseSeconds: number;
  /** Gap between two sends once the channel is paced, ms. */
  paceMs: number;
  /** How long a channel stays paced after its last 429, ms. */
  pacedForMs: number;
}

export interface ChannelTurn {
  /**
   * Waits until the channel may be sent to, renewing the lease while sends are few; false when the lease is gone
   * or the wait is long (a long Retry-After: the lease is better given back, the outbox keeps the work).
   */
  ready(): Promise<boolean>;
  /** Paces the channel after a send, marking the outcome's `sent` in the same statement; false: lease lost. */
  afterSend(outcome: Outcome): Promise<boolean>;
  release(): Promise<void>;
}

/** Longest wait sat out under the lease, ms. */
const LONGEST_WAIT_MS = 5000;

/** Takes the channel's lease, or answers undefined when another replica holds it. */
export async function takeChannel(
  db: Kysely<Database>,
  channel: string,
  options: PacingOptions,
): Promise<ChannelTurn | undefined> {
  const { workerId, leaseSeconds } = options;
  const lease = await acquireChannelLease(db, channel, workerId, leaseSeconds);
  if (!lease) return undefined;
  let leaseRenewedAt = performance.now();
  let nextSendAt = performance.now() + lease.waitMs;
  return {
    async ready() {
      if (performance.now() - leaseRenewedAt > (leaseSeconds * 1000) / 3) {
        // Holding thousands of cards one by one sends nothing for a while: keep the lease, or stop if it is gone.
        if (!(await acquireChannelLease(db, channel, workerId, leaseSeconds))) return false;
        leaseRenewedAt = performance.now();
      }
      const wait = nextSendAt - performance.now();
      if (wait > 0) {
        if (wait > LONGEST_WAIT_MS) return false;
        await new Promise((r) => setTimeout(r, wait));
      }
      return true;
    },
    async afterSend(outcome) {
      const waitMs = await afterChannelSend(db, channel, workerId, {
        retryAfterMs: outcome.kind === "rate_limited" ? outcome.retryAfterMs : undefined,
        pacedGapMs: options.paceMs,
        pacedForMs: options.pacedForMs,
        sent: outcome.kind === "ok" ? outcome.sent : undefined,
      });
      // The lease expired and another replica may have taken the channel: stop before sending twice.
      if (waitMs === undefined) return false;
      leaseRenewedAt = performance.now();
      nextSendAt = performance.now() + waitMs;
      return true;
    },
    release: () => releaseChannelLease(db, channel, workerId).catch(() => {}),
  };
}
