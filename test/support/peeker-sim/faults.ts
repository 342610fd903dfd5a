/**
 * Faults a test can script (5xx, 429, latency, dropped connections; per route or global) and the per-key
 * rate limit (600/min by default, reference §2.6).
 */

export type SimFault =
  /** Answer this status with the error envelope. Default 500 `internal_error`. */
  | {
      kind: "error";
      status?: number;
      code?: string;
      message?: string;
      field?: string;
      details?: Record<string, unknown>;
    }
  /** Answer 429 `rate_limited` with `details.retry_after_seconds`. */
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  /** Hold the request this long before handling it (stacks with one other fault). */
  | { kind: "latency"; ms: number }
  /** Destroy the connection without an answer (the client sees a network error). */
  | { kind: "drop" }
  /**
   * Work out the answer now, send it only once `until` settles (in-process only): the client gets a snapshot
   * of the moment it asked, however late — how a test makes a stale re-read land after a newer one.
   */
  | { kind: "hold_answer"; until: Promise<unknown> }
  /**
   * Lost answers (issue #10): carry the request out (the write happens, its webhook is emitted), then never
   * answer (`write_then_hang`, held until the simulator closes) or answer 500 `internal_error`
   * (`write_then_error`). The client cannot tell either from a failed write.
   */
  | { kind: "write_then_hang" }
  | { kind: "write_then_error"; status?: number };

export interface FaultRule {
  /** `"GET /orders/{id}"` (route template) or `"GET /orders/ord_…"` (concrete path); omitted = every route. */
  route?: string;
  /** How many matching requests it hits. Default 1; `"always"` until cleared. */
  times?: number | "always";
  fault: SimFault;
}

interface ActiveRule {
  route: string | undefined;
  remaining: number;
  fault: SimFault;
}

export interface FaultPlan {
  latencyMs: number;
  fault: Exclude<SimFault, { kind: "latency" | "hold_answer" }> | undefined;
  /** Set by a `hold_answer` rule: the answer waits for it. */
  holdUntil?: Promise<unknown>;
}

export class FaultBox {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    const remaining = times === "always" ? Number.POSITIVE_INFINITY : times;
    if (!(remaining > 0)) throw new TypeError('fault times must be a positive number or "always"');
    this.#rules.push({ route: rule.route, remaining, fault: rule.fault });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Consumes the rules that hit this request: every matching latency, plus the first other fault. */
  take(method: string, pattern: string | undefined, path: string): FaultPlan {
    const plan: FaultPlan = { latencyMs: 0, fault: undefined };
    for (const rule of this.#rules) {
      if (rule.remaining <= 0) continue;
      if (
        rule.route !== undefined &&
        rule.route !== `${method} ${pattern}` &&
        rule.route !== `${method} ${path}`
      )
        continue;
      if (rule.fault.kind === "latency") {
        plan.latencyMs += rule.fault.ms;
        rule.remaining--;
      } else if (rule.fault.kind === "hold_answer") {
        if (plan.holdUntil) continue;
        plan.holdUntil = rule.fault.until;
        rule.remaining--;
      } else if (!plan.fault) {
        plan.fault = rule.fault;
        rule.remaining--;
      }
    }
    this.#rules = this.#rules.filter((rule) => rule.remaining > 0);
    return plan;
  }
}

export interface RateLimitOptions {
  /** Requests per window per key. Default 600. */
  limit: number;
  /** Window, ms. Default 60 000. */
  windowMs: number;
}

/** A sliding log per key; only accepted requests count. */
export class RateLimiter {
  options: RateLimitOptions;
  readonly #hits = new Map<string, number[]>();

  constructor(options: RateLimitOptions) {
    this.options = options;
  }

  set(options: Partial<RateLimitOptions>): void {
    this.options = { ...this.options, ...options };
  }

  reset(): void {
    this.#hits.clear();
  }

  /** Records a hit and answers undefined, or answers the seconds to wait. */
  hit(key: string, nowMs: number): number | undefined {
    const { limit, windowMs } = this.options;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > nowMs - windowMs);
    this.#hits.set(key, hits);
    if (hits.length >= limit) {
      const oldest = hits[0] ?? nowMs;
      return Math.max(1, Math.ceil((oldest + windowMs - nowMs) / 1000));
    }
    hits.push(nowMs);
    return undefined;
  }
}
