/**
 * How fast the inbox starts background re-reads (issue #14): on average no faster than Peeker's budget allows
 * (`perMinute`), with a small burst. Without it a burst of events would spend the whole minute's budget in its
 * first seconds, re-reading each resource again as each of its events arrives; paced, the events of a burst wait
 * in the inbox, where one re-read answers every waiting event of a resource, and the budget keeps room for the
 * people pressing buttons and for reconciliation. A token bucket on elapsed time (the injected `now`, by default
 * the monotonic clock); one token per resource.
 */
export interface RereadPacing {
  /** Re-reads that may start now. */
  available(): number;
  /** Milliseconds until one more may start (0 when one may now). */
  nextInMs(): number;
  /** Spends `n` (the resources just claimed). */
  take(n: number): void;
}

export function createRereadPacing(options: {
  perMinute: number;
  burst: number;
  /** Milliseconds from any clock that only moves forward; the refill needs only the time between two calls. */
  now?: () => number;
}): RereadPacing {
  const now = options.now ?? (() => performance.now());
  const perMs = options.perMinute / 60_000;
  let tokens = options.burst;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(options.burst, tokens + Math.max(0, t - at) * perMs);
    at = t;
  };
  return {
    available() {
      refill();
      return Math.floor(tokens);
    },
    nextInMs() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs);
    },
    take(n) {
      refill();
      tokens -= n;
    },
  };
}
