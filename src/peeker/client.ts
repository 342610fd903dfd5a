/**
 * The Peeker Partner API client (reference §0–3, design §5 "Peeker calls").
 *
 * Every call goes through one path: wait for the request budget, send one attempt, decode the envelope,
 * and then — depending on the answer and the route — pause everybody (429), retry with backoff (5xx, timeout,
 * connection error on retry-safe routes) or throw a `PeekerError`. Interactive calls (a Slack button or modal
 * submit is waiting) jump the budget queue, have one overall deadline and are never retried.
 *
 * Secrets: the API key goes into the Authorization header and nowhere else; request bodies (which can hold
 * `sequencer.login_password`) are never logged or attached to errors.
 */
import type { Dispatcher } from "undici";
import type { z } from "zod";
import { type Clock, MINUTE, type Random, SECOND, systemClock } from "../clock.js";
import { type Logger, silentLogger } from "../logger.js";
import { type BackgroundCapacity, type BudgetOptions, RequestBudget } from "./budget.js";
import { decodeAnswer } from "./decode.js";
import { PeekerError } from "./errors.js";
import { type Page, PageIterator } from "./paginate.js";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetrySafe,
  isTransient,
  type RetryOptions,
  realSleep,
  type Sleep,
} from "./retry.js";
import { type AttemptResponse, createDefaultAgent, sendAttempt } from "./transport.js";
import {
  type Availability,
  availabilitySchema,
  type CancelOrderBody,
  type CreateOrderBody,
  type CreateSwapBody,
  type Domain,
  type DomainFilters,
  type DomainImport,
  domainImportSchema,
  domainSchema,
  listEnvelope,
  type Me,
  meSchema,
  type Order,
  type OrderCancellation,
  type OrderFilters,
  type OrderSummary,
  orderCancellationSchema,
  orderSchema,
  orderSummarySchema,
  type PendingActionFilters,
  type PendingOrderAction,
  pendingOrderActionSchema,
  type Swap,
  type SwapFilters,
  singleEnvelope,
  swapSchema,
  type User,
  userSchema,
} from "./types.js";
import { assertWithinBase, joinUrl, normalizeBaseUrl, pathOf, type Query, segment } from "./urls.js";

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

interface CallSpec<T> {
  method: "GET" | "POST";
  route: string;
  url: string;
  body?: unknown;
  schema: z.ZodType<T>;
  options: CallOptions | undefined;
}

export class PeekerClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #sleep: Sleep;
  readonly #timeoutMs: number;
  readonly #interactiveDeadlineMs: number;
  readonly #retry: RetryOptions;
  readonly #defaultRetryAfterSeconds: number;
  readonly #onCall: ((info: PeekerCallInfo) => void) | undefined;
  readonly #userAgent: string;
  readonly #budget: RequestBudget;

  constructor(options: PeekerClientOptions) {
    if (typeof options.apiKey !== "string" || !/^[\x21-\x7e]+$/.test(options.apiKey)) {
      throw new TypeError("apiKey must be a non-empty string of visible ASCII characters");
    }
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? DEFAULT_BASE_URL);
    this.#apiKey = options.apiKey;
    this.#timeoutMs = positive("timeoutMs", options.timeoutMs, 10 * SECOND);
    this.#interactiveDeadlineMs = positive(
      "interactiveDeadlineMs",
      options.interactiveDeadlineMs,
      2.5 * SECOND,
    );
    this.#defaultRetryAfterSeconds = positive(
      "defaultRetryAfterSeconds",
      options.defaultRetryAfterSeconds,
      5,
    );
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(this.#retry.maxAttempts) || this.#retry.maxAttempts < 1) {
      throw new TypeError(
        `retry.maxAttempts must be a positive integer, got ${String(this.#retry.maxAttempts)}`,
      );
    }
    this.#dispatcher = options.dispatcher ?? createDefaultAgent();
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#logger = options.logger ?? silentLogger();
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    this.#onCall = options.onCall;
    this.#userAgent = options.userAgent ?? "peeker-pending-bot/0.1";
    this.#budget = new RequestBudget(
      { limit: options.budget?.limit ?? 480, windowMs: options.budget?.windowMs ?? MINUTE },
      { now: () => this.#now(), sleep: this.#sleep },
    );
  }

  /** `test` for a sandbox key (cards show a SANDBOX badge), `live` for a live one. */
  get environment(): "test" | "live" | "unknown" {
    if (this.#apiKey.startsWith("pk_test_")) return "test";
    if (this.#apiKey.startsWith("pk_live_")) return "live";
    return "unknown";
  }

  /** How many background calls may start now (the budget's window and 429 pause), else how soon one may. */
  backgroundCapacity(): BackgroundCapacity {
    return this.#budget.backgroundCapacity();
  }

  /** When a 429 pause is in force, its end; otherwise undefined. */
  get pausedUntil(): Date | undefined {
    const until = this.#budget.pausedUntil;
    return until > this.#now() ? new Date(until) : undefined;
  }

  /** Closes the dispatcher if the client created it; an injected one belongs to its owner. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  // ---- Account ----

  me(options?: CallOptions): Promise<PeekerResult<Me>> {
    return this.#get("/me", "/me", meSchema, options);
  }

  getUser(id: string, options?: CallOptions): Promise<PeekerResult<User>> {
    return this.#get(`/users/${segment(id)}`, "/users/{id}", userSchema, options);
  }

  // ---- Orders ----

  listOrders(filters: OrderFilters = {}, options?: CallOptions): PageIterator<OrderSummary> {
    return this.#list("/orders", "/orders", walkQuery(filters), orderSummarySchema, options);
  }

  getOrder(id: string, options?: CallOptions): Promise<PeekerResult<Order>> {
    return this.#get(`/orders/${segment(id)}`, "/orders/{id}", orderSchema, options);
  }

  /** Walks `GET /orders/pending` (default `status=open` on Peeker's side), 100 rows per page unless told. */
  listPendingActions(
    filters: PendingActionFilters = {},
    options?: CallOptions,
  ): PageIterator<PendingOrderAction> {
    return this.#list(
      "/orders/pending",
      "/orders/pending",
      walkQuery(filters),
      pendingOrderActionSchema,
      options,
    );
  }

  /** One page of `GET /orders/pending`, Peeker's default page size unless `per_page` is given. */
  listPendingActionsPage(
    filters: PendingActionFilters = {},
    options?: CallOptions,
  ): Promise<Page<PendingOrderAction>> {
    return this.#list(
      "/orders/pending",
      "/orders/pending",
      { ...filters },
      pendingOrderActionSchema,
      options,
    ).firstPage();
  }

  /** Safe to repeat: Peeker returns the same order for the same body for 24 h. */
  createOrder(body: CreateOrderBody, options?: CallOptions): Promise<PeekerResult<OrderSummary>> {
    return this.#call({
      method: "POST",
      route: "/orders",
      url: joinUrl(this.baseUrl, "/orders"),
      body,
      schema: singleEnvelope(orderSummarySchema),
      options,
    }).then(unwrap);
  }

  cancelOrder(
    id: string,
    body?: CancelOrderBody,
    options?: CallOptions,
  ): Promise<PeekerResult<OrderCancellation>> {
    return this.#call({
      method: "POST",
      route: "/orders/{id}/cancel",
      url: joinUrl(this.baseUrl, `/orders/${segment(id)}/cancel`),
      body,
      schema: singleEnvelope(orderCancellationSchema),
      options,
    }).then(unwrap);
  }

  // ---- Domains and imports ----

  listDomains(filters: DomainFilters = {}, options?: CallOptions): PageIterator<Domain> {
    return this.#list("/domains", "/domains", walkQuery(filters), domainSchema, options);
  }

  /** A 404 here means "unknown to Peeker", not "resolved" (design §3). */
  getDomain(id: string, options?: CallOptions): Promise<PeekerResult<Domain>> {
    return this.#get(`/domains/${segment(id)}`, "/domains/{id}", domainSchema, options);
  }

  /** One request whatever the count (one rate-limit token); Peeker caps a call at 50 names. */
  checkAvailability(domains: string[], options?: CallOptions): Promise<PeekerResult<Availability>> {
    if (domains.length === 0) throw new TypeError("checkAvailability needs at least one domain");
    return this.#call({
      method: "POST",
      route: "/domains/availability",
      url: joinUrl(this.baseUrl, "/domains/availability"),
      body: { domains },
      schema: singleEnvelope(availabilitySchema),
      options,
    }).then(unwrap);
  }

  getImport(id: string, options?: CallOptions): Promise<PeekerResult<DomainImport>> {
    return this.#get(`/domains/import/${segment(id)}`, "/domains/import/{id}", domainImportSchema, options);
  }

  /** `GET /domains/import?domains=…`, for when only the domain names are known; every page collected. */
  async findImportsByDomains(
    domains: string[],
    options?: CallOptions,
  ): Promise<PeekerResult<DomainImport[]>> {
    if (domains.length === 0) throw new TypeError("findImportsByDomains needs at least one domain");
    const walk = this.#list(
      "/domains/import",
      "/domains/import",
      { domains: domains.join(",") },
      domainImportSchema,
      options,
    );
    const data: DomainImport[] = [];
    let requestId: string | undefined;
    for await (const page of walk.pages()) {
      data.push(...page.data);
      requestId = page.requestId;
    }
    return { data, requestId };
  }

  // ---- Swaps ----

  /** Never retried after a 5xx or timeout: look the swap up with `listSwaps({ domain_id })` instead. */
  createSwap(body: CreateSwapBody, options?: CallOptions): Promise<PeekerResult<Swap>> {
    return this.#call({
      method: "POST",
      route: "/swaps",
      url: joinUrl(this.baseUrl, "/swaps"),
      body,
      schema: singleEnvelope(swapSchema),
      options,
    }).then(unwrap);
  }

  getSwap(id: string, options?: CallOptions): Promise<PeekerResult<Swap>> {
    return this.#get(`/swaps/${segment(id)}`, "/swaps/{id}", swapSchema, options);
  }

  listSwaps(filters: SwapFilters = {}, options?: CallOptions): PageIterator<Swap> {
    return this.#list("/swaps", "/swaps", walkQuery(filters), swapSchema, options);
  }

  // ---- Plumbing ----

  #get<T>(path: string, route: string, schema: z.ZodType<T>, options: CallOptions | undefined) {
    return this.#call({
      method: "GET",
      route,
      url: joinUrl(this.baseUrl, path),
      schema: singleEnvelope(schema),
      options,
    }).then(unwrap);
  }

  #list<T>(
    path: string,
    route: string,
    query: object,
    row: z.ZodType<T>,
    options: CallOptions | undefined,
  ): PageIterator<T> {
    const schema = listEnvelope(row);
    return new PageIterator<T>(
      async (url) => {
        const { value, requestId } = await this.#call({
          method: "GET",
          route,
          url: assertWithinBase(this.baseUrl, url, route),
          schema,
          options,
        });
        return {
          data: value.data,
          links: { first: value.links.first ?? null, next: value.links.next ?? null },
          meta: value.meta ?? {},
          requestId,
        };
      },
      joinUrl(this.baseUrl, path, query as Query),
    );
  }

  async #call<T>(spec: CallSpec<T>): Promise<{ value: T; requestId: string | undefined }> {
    const interactive = spec.options?.interactive === true;
    const deadline = interactive ? this.#startDeadline(spec) : undefined;
    const signals = [spec.options?.signal, deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const retrySafe = isRetrySafe(spec.method, spec.route);
    let attempt = 0;
    let transientFailures = 0;
    let rateLimitWaits = 0;
    try {
      for (;;) {
        attempt++;
        if (deadline && this.#budget.pausedUntil > deadline.at) throw this.#pausedError(spec);
        const slot = await this.#budget.acquire({ interactive, signal }).catch((reason: unknown) => {
          throw abortError(reason, spec);
        });
        let outcome: { value: T; requestId: string | undefined } | PeekerError;
        try {
          outcome = await this.#attempt(spec, attempt, interactive, signal, deadline?.at);
        } finally {
          slot.release();
        }
        if (!(outcome instanceof PeekerError)) return outcome;
        const error = outcome;

        if (error.status === 429) {
          // The pause is already in force (see #attempt). A 429 was not processed, so even POST /swaps may go
          // again once it ends — but a person waiting gets the answer now.
          if (interactive || rateLimitWaits >= this.#retry.maxRateLimitWaits) throw error;
          rateLimitWaits++;
          continue;
        }
        transientFailures++;
        if (
          interactive ||
          !retrySafe ||
          !isTransient(error) ||
          transientFailures >= this.#retry.maxAttempts
        ) {
          throw error;
        }
        await this.#sleep(backoffDelay(transientFailures, this.#retry, this.#random), signal).catch(
          (reason: unknown) => {
            throw abortError(reason, spec);
          },
        );
      }
    } finally {
      deadline?.clear();
    }
  }

  /** One HTTP attempt; a Peeker or transport failure is returned (not thrown) so the caller decides on retries. */
  async #attempt<T>(
    spec: CallSpec<T>,
    attempt: number,
    interactive: boolean,
    signal: AbortSignal | undefined,
    deadlineAt: number | undefined,
  ): Promise<{ value: T; requestId: string | undefined } | PeekerError> {
    const started = this.#now();
    const timeoutMs =
      deadlineAt === undefined
        ? this.#timeoutMs
        : Math.max(1, Math.min(this.#timeoutMs, deadlineAt - started));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: "application/json",
      "user-agent": this.#userAgent,
    };
    if (spec.body !== undefined) headers["content-type"] = "application/json";
    let response: AttemptResponse;
    try {
      response = await sendAttempt({
        dispatcher: this.#dispatcher,
        method: spec.method,
        url: spec.url,
        route: spec.route,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
        timeoutMs,
      });
    } catch (error) {
      const failure = error instanceof PeekerError ? error : abortError(error, spec);
      this.#record(spec, attempt, interactive, started, failure.status, failure.requestId, failure);
      return failure;
    }
    const result = decodeAnswer(spec.schema, spec, response);
    // Pause before anything else runs — before the hook, and before this slot's release lets a queued call
    // start — so no request leaves during the pause.
    if (result instanceof PeekerError && result.status === 429) this.#pauseAfter(result, spec);
    this.#record(spec, attempt, interactive, started, response.status, response.requestId, result);
    return result;
  }

  #pauseAfter(error: PeekerError, spec: CallSpec<unknown>): void {
    const waitMs =
      (error.retryAfterSeconds ?? this.#defaultRetryAfterSeconds) * SECOND + this.#random() * SECOND;
    this.#budget.pause(this.#now() + waitMs);
    this.#logger.warn(
      { peeker: { route: spec.route, requestId: error.requestId, pauseMs: Math.round(waitMs) } },
      "peeker rate limited; pausing every call",
    );
  }

  #record(
    spec: CallSpec<unknown>,
    attempt: number,
    interactive: boolean,
    started: number,
    status: number | undefined,
    requestId: string | undefined,
    result: unknown,
  ): void {
    const ms = Math.max(0, this.#now() - started);
    const error = result instanceof PeekerError ? result : undefined;
    const outcome = outcomeOf(error);
    const fields = {
      peeker: {
        method: spec.method,
        route: spec.route,
        path: pathOf(spec.url),
        status,
        ms,
        requestId,
        attempt,
        interactive,
        outcome,
        ...(error ? { code: error.code, field: error.field } : {}),
      },
    };
    if (error) this.#logger.warn(fields, "peeker call failed");
    else this.#logger.info(fields, "peeker call");
    const info: PeekerCallInfo = {
      method: spec.method,
      route: spec.route,
      status,
      outcome,
      ms,
      requestId,
      attempt,
      interactive,
    };
    for (const hook of [this.#onCall, spec.options?.onAttempt]) {
      try {
        hook?.(info);
      } catch {
        // Metrics must never break a call.
      }
    }
  }

  #startDeadline(spec: CallSpec<unknown>): { at: number; signal: AbortSignal; clear(): void } {
    const controller = new AbortController();
    const ms = spec.options?.deadlineMs ?? this.#interactiveDeadlineMs;
    const timer = setTimeout(() => {
      controller.abort(
        new PeekerError({
          code: "timeout",
          message: `Peeker ${spec.method} ${spec.route} missed the interactive deadline of ${ms} ms`,
          method: spec.method,
          route: spec.route,
        }),
      );
    }, ms);
    return { at: this.#now() + ms, signal: controller.signal, clear: () => clearTimeout(timer) };
  }

  #pausedError(spec: CallSpec<unknown>): PeekerError {
    const seconds = Math.max(0, (this.#budget.pausedUntil - this.#now()) / SECOND);
    return new PeekerError({
      code: "rate_limited",
      message: `Peeker calls are paused for ${Math.ceil(seconds)} s after a 429; not waiting on an interactive call`,
      details: { retry_after_seconds: Math.ceil(seconds), local: true },
      method: spec.method,
      route: spec.route,
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

function unwrap<T>({
  value,
  requestId,
}: {
  value: { data: T };
  requestId: string | undefined;
}): PeekerResult<T> {
  return { data: value.data, requestId };
}

function walkQuery<F extends { per_page?: number }>(filters: F): F {
  return { ...filters, per_page: filters.per_page ?? 100 };
}

function outcomeOf(error: PeekerError | undefined): PeekerCallOutcome {
  if (!error) return "ok";
  if (error.status === 429) return "rate_limited";
  if (error.code === "timeout") return "timeout";
  if (error.code === "network_error") return "network_error";
  if (error.code === "bad_response") return "bad_response";
  if (error.code === "aborted") return "aborted";
  return error.status !== undefined && error.status >= 500 ? "server_error" : "client_error";
}

function abortError(reason: unknown, spec: CallSpec<unknown>): PeekerError {
  if (reason instanceof PeekerError) return reason;
  return new PeekerError({
    code: "aborted",
    message: `Peeker ${spec.method} ${spec.route} was aborted`,
    method: spec.method,
    route: spec.route,
    cause: reason,
  });
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}
