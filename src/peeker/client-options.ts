/**
 * What a `PeekerClient` is built with and what its calls take and give back, and the check of the constructor
 * options up front (style §5: a bad option is named before anything is opened).
 */
import type { Dispatcher } from "undici";
import { type Clock, MINUTE, type Random, SECOND, systemClock } from "../clock.js";
import { type Logger, silentLogger } from "../logger.js";
import type { BudgetOptions } from "./budget.js";
import { DEFAULT_RETRY, type RetryOptions, realSleep, type Sleep } from "./retry.js";
import { normalizeBaseUrl } from "./urls.js";

export const DEFAULT_BASE_URL = "https://api.peeker.ai/partner/v1";

export interface PeekerClientOptions {
  /** `pk_test_…` or `pk_live_…`. */
  apiKey: string;
  /** API base; its path prefix is kept when joining. Default `https://api.peeker.ai/partner/v1`. */
  baseUrl?: string;
  /** undici dispatcher (tests pass a `MockAgent` or point at the simulator). Default: an `Agent` owned by the client. */
  dispatcher?: Dispatcher;
  logger?: Logger;
  clock?: Clock;
  /** Jitter source, [0, 1). Default `Math.random`. */
  random?: Random;
  sleep?: Sleep;
  /** Timeout of one background attempt, ms. Default 10 000. */
  timeoutMs?: number;
  /** Overall deadline of an interactive call (budget wait included), ms. Default 2 500. */
  interactiveDeadlineMs?: number;
  /** Requests per window shared by every call of this client. Default 480 per minute. */
  budget?: Partial<BudgetOptions>;
  retry?: Partial<RetryOptions>;
  /** Used when a 429 carries no `details.retry_after_seconds`, seconds. Default 5. */
  defaultRetryAfterSeconds?: number;
  /** Called once per HTTP attempt (metrics). Must not throw; errors are swallowed. */
  onCall?: (info: PeekerCallInfo) => void;
  userAgent?: string;
}

export interface CallOptions {
  /** A person is waiting: served first, one deadline (default 2.5 s), no retry. */
  interactive?: boolean;
  /**
   * Overrides the interactive deadline, ms. A slash command may answer later through its response_url, so it
   * keeps the priority of an interactive call without the 2.5 s cut.
   */
  deadlineMs?: number;
  signal?: AbortSignal;
  /**
   * Called once per HTTP attempt of this call, after the client-wide `onCall` (a job counting the requests it
   * made, retries included). Must not throw; errors are swallowed.
   */
  onAttempt?: (info: PeekerCallInfo) => void;
}

export interface PeekerResult<T> {
  data: T;
  /** `Peeker-Request-Id` of the answer (of the last attempt when retried). */
  requestId: string | undefined;
}

export type PeekerCallOutcome =
  | "ok"
  | "client_error"
  | "server_error"
  | "rate_limited"
  | "timeout"
  | "network_error"
  | "bad_response"
  | "aborted";

export interface PeekerCallInfo {
  method: "GET" | "POST";
  /** Route template, e.g. `/orders/{id}`. */
  route: string;
  status: number | undefined;
  outcome: PeekerCallOutcome;
  ms: number;
  requestId: string | undefined;
  /** 1 for the first attempt of a call. */
  attempt: number;
  interactive: boolean;
}

/** The options with every default filled in; the dispatcher is chosen by the client, which may own it. */
export interface ClientSettings {
  apiKey: string;
  baseUrl: string;
  logger: Logger;
  clock: Clock;
  random: Random;
  sleep: Sleep;
  timeoutMs: number;
  interactiveDeadlineMs: number;
  budget: BudgetOptions;
  retry: RetryOptions;
  defaultRetryAfterSeconds: number;
  onCall: ((info: PeekerCallInfo) => void) | undefined;
  userAgent: string;
}

/** Throws a `TypeError` naming the first bad option. */
export function resolveClientOptions(options: PeekerClientOptions): ClientSettings {
  if (typeof options.apiKey !== "string" || !/^[\x21-\x7e]+$/.test(options.apiKey)) {
    throw new TypeError("apiKey must be a non-empty string of visible ASCII characters");
  }
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
  const timeoutMs = positive("timeoutMs", options.timeoutMs, 10 * SECOND);
  const interactiveDeadlineMs = positive(
    "interactiveDeadlineMs",
    options.interactiveDeadlineMs,
    2.5 * SECOND,
  );
  const defaultRetryAfterSeconds = positive("defaultRetryAfterSeconds", options.defaultRetryAfterSeconds, 5);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(retry.maxAttempts) || retry.maxAttempts < 1) {
    throw new TypeError(`retry.maxAttempts must be a positive integer, got ${String(retry.maxAttempts)}`);
  }
  return {
    apiKey: options.apiKey,
    baseUrl,
    logger: options.logger ?? silentLogger(),
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? realSleep,
    timeoutMs,
    interactiveDeadlineMs,
    budget: { limit: options.budget?.limit ?? 480, windowMs: options.budget?.windowMs ?? MINUTE },
    retry,
    defaultRetryAfterSeconds,
    onCall: options.onCall,
    userAgent: options.userAgent ?? "peeker-pending-bot/0.1",
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}
