/**
 * The client-side request budget (design §5, "Peeker calls"): at most `limit` requests in any `windowMs`,
 * interactive callers served before background ones, and one shared pause after a 429.
 *
 * A slot counts from the moment it is granted until `windowMs` after its request settled. Peeker counts a
 * request when it arrives, which is somewhere between those two instants, so this keeps every window *as
 * Peeker sees it* under the limit, whatever the latency — at the price of a little throughput.
 */
import type { Sleep } from "./retry.js";

export interface BudgetOptions {
  /** Requests allowed per window. Default 480 (80 % of Peeker's 600/min). */
  limit: number;
  /** Window length in milliseconds. Default one minute. */
  windowMs: number;
}

/** What background work may start now (src/jobs/inbox-processor.ts sizes its claim by it). */
export interface BackgroundCapacity {
  /** Background requests that could start at once. */
  now: number;
  /** When `now` is 0: milliseconds until one could start (a 429 pause or the window). */
  nextInMs: number;
}

export interface BudgetSlot {
  /** Call exactly once, when the request has settled (answered, failed or aborted). */
  release(): void;
}

export interface AcquireOptions {
  interactive: boolean;
  signal?: AbortSignal | undefined;
}

interface Waiter {
  resolve(slot: BudgetSlot): void;
  reject(reason: unknown): void;
  detach(): void;
}

export interface BudgetDeps {
  /** Milliseconds, from the injected clock. */
  now(): number;
  sleep: Sleep;
}

export class RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  readonly #deps: BudgetDeps;
  #inFlight = 0;
  /** Settle times of finished requests still inside the window, ascending. */
  #recent: number[] = [];
  #pausedUntil = 0;
  readonly #interactive: Waiter[] = [];
  readonly #background: Waiter[] = [];
  #timer: { at: number; cancel: AbortController } | undefined;

  constructor(options: BudgetOptions, deps: BudgetDeps) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new TypeError(`budget.limit must be a positive integer, got ${String(options.limit)}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new TypeError(`budget.windowMs must be a positive number, got ${String(options.windowMs)}`);
    }
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.#deps = deps;
  }

  /** Room for background requests now (after the queued ones), and otherwise how soon there is. */
  backgroundCapacity(): BackgroundCapacity {
    const now = this.#deps.now();
    if (now < this.#pausedUntil) return { now: 0, nextInMs: this.#pausedUntil - now };
    const room = this.limit - this.#used(now) - this.queued;
    if (room > 0) return { now: room, nextInMs: 0 };
    const oldest = this.#recent[0];
    return { now: 0, nextInMs: oldest === undefined ? 1000 : Math.max(1, oldest + this.windowMs - now) };
  }

  /** Epoch ms until which no request may start (0 when not paused). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  get queued(): number {
    return this.#interactive.length + this.#background.length;
  }

  /** Stop every request from starting before `untilMs` (a 429 answer). Never shortens a pause. */
  pause(untilMs: number): void {
    if (untilMs > this.#pausedUntil) this.#pausedUntil = untilMs;
    this.#pump();
  }

  acquire(options: AcquireOptions): Promise<BudgetSlot> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<BudgetSlot>((resolve, reject) => {
      const queue = options.interactive ? this.#interactive : this.#background;
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
      this.#pump();
    });
  }

  #used(now: number): number {
    let expired = 0;
    while (expired < this.#recent.length && (this.#recent[expired] ?? 0) + this.windowMs <= now) expired++;
    if (expired > 0) this.#recent.splice(0, expired);
    return this.#inFlight + this.#recent.length;
  }

  #pump(): void {
    const now = this.#deps.now();
    while (this.queued > 0 && now >= this.#pausedUntil && this.#used(now) < this.limit) {
      const waiter = this.#interactive.shift() ?? this.#background.shift();
      if (!waiter) break;
      waiter.detach();
      this.#inFlight++;
      waiter.resolve(this.#slot());
    }
    if (this.queued === 0) return;
    // Still waiting: wake at the pause end or when the oldest finished request leaves the window. When every
    // slot is held by a request in flight, its release() pumps instead.
    let wakeAt: number | undefined;
    if (now < this.#pausedUntil) wakeAt = this.#pausedUntil;
    else if (this.#inFlight < this.limit && this.#recent.length > 0)
      wakeAt = (this.#recent[0] ?? now) + this.windowMs;
    if (wakeAt !== undefined) this.#armTimer(wakeAt, now);
  }

  #armTimer(at: number, now: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    this.#timer?.cancel.abort();
    const cancel = new AbortController();
    this.#timer = { at, cancel };
    this.#deps.sleep(Math.max(0, at - now), cancel.signal).then(
      () => {
        if (this.#timer?.cancel === cancel) this.#timer = undefined;
        // An injected sleep may return early (a test's instant sleep); re-checking on the next turn keeps that
        // from spinning in microtasks and starving I/O.
        if (this.#deps.now() < at) setImmediate(() => this.#pump());
        else this.#pump();
      },
      () => {
        // Cancelled because an earlier wake-up replaced it.
      },
    );
  }

  #slot(): BudgetSlot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight--;
        const now = this.#deps.now();
        const last = this.#recent[this.#recent.length - 1];
        this.#recent.push(now);
        if (last !== undefined && last > now) this.#recent.sort((a, b) => a - b);
        this.#pump();
      },
    };
  }
}
