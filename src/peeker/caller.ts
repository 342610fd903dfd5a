/**
 * The one path every Peeker call goes through (reference §0–3, design §5 "Peeker calls"): wait for the request
 * budget, send one attempt, decode the envelope, and then — depending on the answer and the route — pause
 * everybody (429), retry with backoff (5xx, timeout, connection error on retry-safe routes) or throw a
 * `PeekerError`. Interactive calls (a Slack button or modal submit is waiting) jump the budget queue, have one
 * overall deadline and are never retried.
 *
 * Secrets: the API key goes into the Authorization header and nowhere else; request bodies (which can hold
 * `sequencer.login_password`) are never logged or attached to errors.
 */
import type { Dispatcher } from "undici";
import type { z } from "zod";
import { SECOND } from "../clock.js";
import { type BackgroundCapacity, RequestBudget } from "./budget.js";
import { recordAttempt } from "./call-record.js";
import type { CallOptions, ClientSettings, PeekerResult } from "./client-options.js";
import { type Decoded, decodeAnswer } from "./decode.js";
import { listEnvelope, singleEnvelope } from "./envelopes.js";
import { PeekerError } from "./errors.js";
import { PageIterator } from "./paginate.js";
import { backoffDelay, isRetrySafe, isTransient } from "./retry.js";
import { type AttemptResponse, sendAttempt } from "./transport.js";
import { assertWithinBase, joinUrl, type Query } from "./urls.js";

interface CallSpec<T> {
  method: "GET" | "POST";
  route: string;
  url: string;
  body?: unknown;
  schema: z.ZodType<T>;
  options: CallOptions | undefined;
}

interface Deadline {
  at: number;
  signal: AbortSignal;
  clear(): void;
}

export class PeekerCaller {
  readonly #settings: ClientSettings;
  readonly #dispatcher: Dispatcher;
  readonly #budget: RequestBudget;

  constructor(settings: ClientSettings, dispatcher: Dispatcher) {
    this.#settings = settings;
    this.#dispatcher = dispatcher;
    this.#budget = new RequestBudget(settings.budget, { now: () => this.#now(), sleep: settings.sleep });
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

  /** `GET {path}` answering `{ data }`. */
  get<T>(
    path: string,
    route: string,
    schema: z.ZodType<T>,
    options: CallOptions | undefined,
  ): Promise<PeekerResult<T>> {
    const url = joinUrl(this.#settings.baseUrl, path);
    return this.#call({ method: "GET", route, url, schema: singleEnvelope(schema), options }).then(unwrap);
  }

  /** `POST {path}` with a JSON body (none when undefined) answering `{ data }`. */
  post<T>(
    path: string,
    route: string,
    body: unknown,
    schema: z.ZodType<T>,
    options: CallOptions | undefined,
  ): Promise<PeekerResult<T>> {
    const url = joinUrl(this.#settings.baseUrl, path);
    const envelope = singleEnvelope(schema);
    return this.#call({ method: "POST", route, url, body, schema: envelope, options }).then(unwrap);
  }

  /** A list route, walked page by page; every `links.next` must stay under the base URL. */
  list<T>(
    path: string,
    route: string,
    query: object,
    row: z.ZodType<T>,
    options: CallOptions | undefined,
  ): PageIterator<T> {
    const schema = listEnvelope(row);
    const baseUrl = this.#settings.baseUrl;
    return new PageIterator<T>(
      async (url) => {
        const { value, requestId } = await this.#call({
          method: "GET",
          route,
          url: assertWithinBase(baseUrl, url, route),
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
      joinUrl(baseUrl, path, query as Query),
    );
  }

  async #call<T>(spec: CallSpec<T>): Promise<Decoded<T>> {
    const { retry, random, sleep } = this.#settings;
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
        let outcome: Decoded<T> | PeekerError;
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
          if (interactive || rateLimitWaits >= retry.maxRateLimitWaits) throw error;
          rateLimitWaits++;
          continue;
        }
        transientFailures++;
        if (interactive || !retrySafe || !isTransient(error) || transientFailures >= retry.maxAttempts) {
          throw error;
        }
        await sleep(backoffDelay(transientFailures, retry, random), signal).catch((reason: unknown) => {
          throw abortError(reason, spec);
        });
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
  ): Promise<Decoded<T> | PeekerError> {
    const { apiKey, userAgent, timeoutMs: attemptTimeoutMs } = this.#settings;
    const started = this.#now();
    const timeoutMs =
      deadlineAt === undefined
        ? attemptTimeoutMs
        : Math.max(1, Math.min(attemptTimeoutMs, deadlineAt - started));
    const headers: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: "application/json",
      "user-agent": userAgent,
    };
    if (spec.body !== undefined) headers["content-type"] = "application/json";
    const record = (status: number | undefined, requestId: string | undefined, result: unknown) =>
      recordAttempt(this.#settings.logger, [this.#settings.onCall, spec.options?.onAttempt], {
        method: spec.method,
        route: spec.route,
        url: spec.url,
        attempt,
        interactive,
        ms: Math.max(0, this.#now() - started),
        status,
        requestId,
        result,
      });
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
      record(failure.status, failure.requestId, failure);
      return failure;
    }
    const result = decodeAnswer(spec.schema, spec, response);
    // Pause before anything else runs — before the hook, and before this slot's release lets a queued call
    // start — so no request leaves during the pause.
    if (result instanceof PeekerError && result.status === 429) this.#pauseAfter(result, spec);
    record(response.status, response.requestId, result);
    return result;
  }

  #pauseAfter(error: PeekerError, spec: CallSpec<unknown>): void {
    const seconds = error.retryAfterSeconds ?? this.#settings.defaultRetryAfterSeconds;
    const waitMs = seconds * SECOND + this.#settings.random() * SECOND;
    this.#budget.pause(this.#now() + waitMs);
    this.#settings.logger.warn(
      { peeker: { route: spec.route, requestId: error.requestId, pauseMs: Math.round(waitMs) } },
      "peeker rate limited; pausing every call",
    );
  }

  #startDeadline(spec: CallSpec<unknown>): Deadline {
    const controller = new AbortController();
    const ms = spec.options?.deadlineMs ?? this.#settings.interactiveDeadlineMs;
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
    return this.#settings.clock.now().getTime();
  }
}

function unwrap<T>({ value, requestId }: Decoded<{ data: T }>): PeekerResult<T> {
  return { data: value.data, requestId };
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
