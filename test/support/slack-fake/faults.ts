/** Injected failures: what Slack does on a bad day, switched on by a test. */

export interface RateLimitOptions {
  channel: string;
  /** Sustained posts + updates per second allowed to this channel. */
  perSecond: number;
  /** Posts allowed back to back before pacing applies (Slack tolerates short bursts). Default 1. */
  burst?: number;
  /** Fixed `Retry-After` to answer; default: whole seconds until the next post would be allowed. */
  retryAfterSeconds?: number;
}

export interface ServerErrorOptions {
  /** HTTP status to answer. Default 503. */
  status?: number;
  /** For this long from now (ms)… */
  forMs?: number;
  /** …or for this many calls. With neither, until cleared. */
  calls?: number;
  /** Only these methods; default every Web API method. */
  methods?: string[];
}

export interface HangOptions {
  method: string;
  /** How many calls of the method hang. Default: every call until cleared. */
  calls?: number;
  /**
   * Whether the call takes effect before the silence (a message is stored, a view opened): Slack did the work but
   * the answer never came. Default false: nothing happened.
   */
  applied?: boolean;
}

interface Bucket {
  perSecond: number;
  burst: number;
  retryAfterSeconds: number | undefined;
  tokens: number;
  at: number;
}

interface ServerError {
  status: number;
  until: number | undefined;
  remaining: number | undefined;
  methods: Set<string> | undefined;
}

export class Faults {
  private readonly buckets = new Map<string, Bucket>();
  private serverError: ServerError | undefined;
  private readonly hangs = new Map<string, { remaining: number; applied: boolean }>();
  private resets = 0;

  constructor(private readonly now: () => number) {}

  rateLimit(options: RateLimitOptions): void {
    if (!(options.perSecond > 0)) throw new Error("rateLimit: perSecond must be > 0");
    const burst = options.burst ?? 1;
    this.buckets.set(options.channel, {
      perSecond: options.perSecond,
      burst,
      retryAfterSeconds: options.retryAfterSeconds,
      tokens: burst,
      at: this.now(),
    });
  }

  clearRateLimit(channel?: string): void {
    if (channel === undefined) this.buckets.clear();
    else this.buckets.delete(channel);
  }

  /** Takes a token for a post to `channel`; answers the Retry-After seconds when there is none. */
  checkRate(channel: string): number | undefined {
    const bucket = this.buckets.get(channel);
    if (!bucket) return undefined;
    const now = this.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return bucket.retryAfterSeconds ?? Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.perSecond));
  }

  failWith5xx(options: ServerErrorOptions = {}): void {
    this.serverError = {
      status: options.status ?? 503,
      until: options.forMs === undefined ? undefined : this.now() + options.forMs,
      remaining: options.calls,
      methods: options.methods ? new Set(options.methods) : undefined,
    };
  }

  clear5xx(): void {
    this.serverError = undefined;
  }

  /** The status to fail this call with, if a 5xx window is open for it. */
  takeServerError(method: string): number | undefined {
    const error = this.serverError;
    if (!error) return undefined;
    if (error.until !== undefined && this.now() >= error.until) {
      this.serverError = undefined;
      return undefined;
    }
    if (error.methods && !error.methods.has(method)) return undefined;
    if (error.remaining !== undefined) {
      if (error.remaining <= 0) {
        this.serverError = undefined;
        return undefined;
      }
      error.remaining -= 1;
    }
    return error.status;
  }

  hang(options: HangOptions): void {
    this.hangs.set(options.method, {
      remaining: options.calls ?? Number.POSITIVE_INFINITY,
      applied: options.applied ?? false,
    });
  }

  clearHangs(): void {
    this.hangs.clear();
  }

  takeHang(method: string): { applied: boolean } | undefined {
    const hang = this.hangs.get(method);
    if (!hang || hang.remaining <= 0) return undefined;
    hang.remaining -= 1;
    if (hang.remaining <= 0) this.hangs.delete(method);
    return { applied: hang.applied };
  }

  resetAfterPost(calls: number): void {
    this.resets = calls;
  }

  takeReset(): boolean {
    if (this.resets <= 0) return false;
    this.resets -= 1;
    return true;
  }

  clear(): void {
    this.buckets.clear();
    this.serverError = undefined;
    this.hangs.clear();
    this.resets = 0;
  }
}
