/**
 * When a failed Peeker call may be sent again, and how long to wait first (design §5, "Peeker calls").
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Random } from "../clock.js";
import { isPeekerError, type PeekerError } from "./errors.js";

/** Waits `ms`; rejects with the signal's reason when aborted. Injected so tests can make waits instant. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await delay(ms, undefined, signal ? { signal } : undefined);
};

export interface RetryOptions {
  /** Attempts per call for retry-safe routes, first one included. Default 3 (reliability notes R7). */
  maxAttempts: number;
  /** Backoff cap of the first retry, ms; doubles per retry. Default 250. */
  baseDelayMs: number;
  /** Upper bound of one backoff, ms. Default 5000. */
  maxDelayMs: number;
  /** How many 429s one call may wait out before giving up. Default 5. */
  maxRateLimitWaits: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 5000,
  maxRateLimitWaits: 5,
};

/**
 * Routes whose repetition cannot do harm: every read, availability (a read in POST clothing), order creation
 * (Peeker dedupes the body for 24 h) and cancellation (cancelling twice ends the same). `POST /swaps` is
 * deliberately absent: after an unknown outcome the caller looks the swap up instead.
 */
export function isRetrySafe(method: string, route: string): boolean {
  if (method === "GET") return true;
  if (method !== "POST") return false;
  return route === "/domains/availability" || route === "/orders" || route === "/orders/{id}/cancel";
}

/** 5xx, timeouts and connection failures may succeed next time; a 4xx answer will not. */
export function isTransient(error: unknown): error is PeekerError {
  if (!isPeekerError(error)) return false;
  if (error.code === "timeout" || error.code === "network_error") return true;
  return error.status !== undefined && error.status >= 500;
}

/** Full jitter (AWS "Exponential Backoff and Jitter"): uniform in [0, min(cap, base · 2^(retry-1))). */
export function backoffDelay(retry: number, options: RetryOptions, random: Random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
