/**
 * The Peeker simulator: a real HTTP server on loopback that speaks the Partner API under `/partner/v1`
 * (reference §§0–3, design §8) and a control API under `/_control`. Tests start one per file with
 * `startPeekerSim()` and point the client at `sim.url`.
 *
 * Request pipeline: record → scripted latency → scripted fault → bearer key (401) → per-key rate limit (429)
 * → route (404) → preset (403) → handler. Every answer carries `Peeker-Request-Id`.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, systemClock } from "../../../src/clock.js";
import { type RecordedRequest, SimControl, SimControlError } from "./control.js";
import { handleControl } from "./control-http.js";
import { FaultBox, type FaultPlan, RateLimiter, type RateLimitOptions, type SimFault } from "./faults.js";
import { readJsonBody, SimHttpError, type SimResponse } from "./http.js";
import { newId } from "./ids.js";
import { type RouteMatch, Router } from "./router.js";
import { accountRoutes } from "./routes/account.js";
import { domainRoutes } from "./routes/domains.js";
import { importRoutes } from "./routes/imports.js";
import { orderRoutes } from "./routes/orders.js";
import { swapRoutes } from "./routes/swaps.js";
import { type SimEvent, SimState } from "./state.js";

export const BASE_PATH = "/partner/v1";

export interface PeekerSimOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The simulator clock (timestamps, 24 h order dedupe). Default the system clock; `advanceTime` adds to it. */
  clock?: Clock;
  /** Per-key limit. Default 600 per 60 s. */
  rateLimit?: Partial<RateLimitOptions>;
  /** Called for every state change a webhook would report (the signed sender is wired elsewhere). */
  onEvent?: (event: SimEvent) => void;
  /** Base used in `links.*` and `meta.path`. Default `http://<host>:<port>/partner/v1`. */
  publicBaseUrl?: string;
}

const router = new Router([
  ...accountRoutes,
  ...orderRoutes,
  ...domainRoutes,
  ...importRoutes,
  ...swapRoutes,
]);

export class PeekerSim {
  /** The API base to give the client: `http://127.0.0.1:<port>/partner/v1`. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly control: SimControl;
  /** What `links.*` and `meta.path` are built on (`publicBaseUrl`, else `url`). */
  readonly publicBaseUrl: string;
  readonly #server: Server;
  readonly #sleeps = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  #seq = 0;
  #closed = false;

  private constructor(
    server: Server,
    control: SimControl,
    origin: string,
    publicBaseUrl: string | undefined,
  ) {
    this.#server = server;
    this.control = control;
    this.origin = origin;
    this.url = `${origin}${BASE_PATH}`;
    this.publicBaseUrl = publicBaseUrl ?? this.url;
    this.port = Number(new URL(origin).port);
  }

  static async start(options: PeekerSimOptions = {}): Promise<PeekerSim> {
    const host = options.host ?? "127.0.0.1";
    const rateLimit: RateLimitOptions = { limit: 600, windowMs: 60_000, ...options.rateLimit };
    let control: SimControl | undefined;
    const state = new SimState(options.clock ?? systemClock, (event) => {
      control?.emitted.push(event);
      control?.onEvent?.(event);
    });
    control = new SimControl(state, new FaultBox(), new RateLimiter(rateLimit), rateLimit);
    control.onEvent = options.onEvent;

    let sim: PeekerSim | undefined;
    const server = createServer((req, res) => {
      if (!sim) {
        res.destroy();
        return;
      }
      sim.#handle(req, res).catch((error: unknown) => {
        // Last resort: never leave a request hanging because of a simulator bug.
        if (!res.headersSent) send(res, newId("req"), { status: 500, body: internalError(error) });
      });
    });
    server.keepAliveTimeout = 5_000;
    server.listen(options.port ?? 0, host);
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const origin = `http://${host}:${port}`;
    sim = new PeekerSim(server, control, origin, options.publicBaseUrl);
    return sim;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const sleep of this.#sleeps) {
      clearTimeout(sleep.timer);
      sleep.done();
    }
    this.#sleeps.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const method = req.method ?? "GET";

    if (url.pathname === "/_control" || url.pathname.startsWith("/_control/")) {
      let answer: SimResponse;
      try {
        const body = await readJsonBody(req);
        answer = handleControl(
          this.control,
          method,
          url.pathname.slice("/_control".length) || "/",
          url.searchParams,
          body,
        );
      } catch (error) {
        const status = error instanceof SimControlError || error instanceof SimHttpError ? error.status : 500;
        answer = { status, body: { error: error instanceof Error ? error.message : String(error) } };
      }
      send(res, undefined, answer);
      return;
    }

    const requestId = newId("req");
    const inBase = url.pathname === BASE_PATH || url.pathname.startsWith(`${BASE_PATH}/`);
    const path = inBase ? url.pathname.slice(BASE_PATH.length) || "/" : url.pathname;
    const match: RouteMatch | undefined = inBase ? router.match(method, path) : undefined;
    const authorization = req.headers.authorization;
    const bearer = authorization ? /^Bearer ([\x21-\x7e]+)$/.exec(authorization)?.[1] : undefined;

    let body: unknown;
    let bodyError: SimHttpError | undefined;
    try {
      body = await readJsonBody(req);
    } catch (error) {
      bodyError =
        error instanceof SimHttpError ? error : new SimHttpError(400, "invalid_request", "Unreadable body");
    }
    const record: RecordedRequest = {
      seq: ++this.#seq,
      at: Date.now(),
      method,
      path,
      route: match?.route.pattern ?? null,
      query: Object.fromEntries(url.searchParams),
      body,
      apiKey: bearer,
      requestId,
      status: undefined,
    };
    this.control.recorded.push(record);

    let answer: SimResponse;
    let plan: FaultPlan | undefined;
    try {
      plan = this.control.faults.take(method, match?.route.pattern, path);
      if (plan.latencyMs > 0) await this.#sleep(plan.latencyMs);
      if (this.#closed) return;
      if (plan.fault?.kind === "drop") {
        record.status = 0;
        req.socket.destroy();
        return;
      }
      if (plan.fault?.kind === "write_then_hang" || plan.fault?.kind === "write_then_error") {
        const done = this.#route(match, method, path, url, bearer, body, bodyError);
        record.performedStatus = done.status;
        if (plan.fault.kind === "write_then_hang") {
          // Done, and the answer never comes: the caller sees a timeout (or dies waiting).
          await this.#sleep(24 * 60 * 60 * 1000);
          return;
        }
        throw new SimHttpError(plan.fault.status ?? 500, "internal_error", "Unexpected server error");
      }
      if (plan.fault) throw faultError(plan.fault);
      answer = this.#route(match, method, path, url, bearer, body, bodyError);
    } catch (error) {
      answer =
        error instanceof SimHttpError
          ? { status: error.status, body: error.envelope() }
          : { status: 500, body: internalError(error) };
    }
    if (plan?.holdUntil) await plan.holdUntil.catch(() => undefined);
    if (this.#closed) return;
    record.status = answer.status;
    send(res, requestId, answer);
  }

  #route(
    match: RouteMatch | undefined,
    method: string,
    path: string,
    url: URL,
    bearer: string | undefined,
    body: unknown,
    bodyError: SimHttpError | undefined,
  ): SimResponse {
    const { state, limiter } = this.control;
    if (!bearer) {
      throw new SimHttpError(
        401,
        "unauthorized",
        "Missing or malformed Authorization header; send `Bearer <key>`",
      );
    }
    const key = state.keys.get(bearer);
    if (!key) throw new SimHttpError(401, "unauthorized", "API key is not valid or has been revoked");
    const retryAfter = limiter.hit(key.key, Date.now());
    if (retryAfter !== undefined) {
      throw new SimHttpError(429, "rate_limited", "API rate limit exceeded", undefined, {
        retry_after_seconds: retryAfter,
      });
    }
    if (!match) throw new SimHttpError(404, "not_found", `No route ${method} ${path}`);
    const { route, params } = match;
    if (route.access === "write" && key.preset !== "full") {
      throw new SimHttpError(
        403,
        "forbidden",
        `A ${key.preset} key cannot call ${method} ${route.pattern}; use a full key`,
      );
    }
    if (route.access === "availability" && key.preset === "read") {
      throw new SimHttpError(403, "forbidden", `A read key cannot call ${method} ${route.pattern}`);
    }
    if (bodyError) throw bodyError;
    return route.handler({
      state,
      key,
      params,
      query: url.searchParams,
      body,
      baseUrl: this.publicBaseUrl,
      path,
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#sleeps.delete(entry);
          resolve();
        }, ms),
        done: resolve,
      };
      this.#sleeps.add(entry);
    });
  }
}

/** Starts a simulator; close it with `sim.close()`. */
export function startPeekerSim(options: PeekerSimOptions = {}): Promise<PeekerSim> {
  return PeekerSim.start(options);
}

function faultError(
  fault: Exclude<
    SimFault,
    { kind: "latency" | "drop" | "hold_answer" | "write_then_hang" | "write_then_error" }
  >,
): SimHttpError {
  if (fault.kind === "rate_limited") {
    return new SimHttpError(429, "rate_limited", "API rate limit exceeded", undefined, {
      retry_after_seconds: fault.retryAfterSeconds ?? 12,
    });
  }
  const status = fault.status ?? 500;
  return new SimHttpError(
    status,
    fault.code ?? "internal_error",
    fault.message ?? "Unexpected server error",
    fault.field,
    fault.details,
  );
}

function internalError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: "internal_error", message: `Simulator error: ${message}` } };
}

function send(res: ServerResponse, requestId: string | undefined, answer: SimResponse): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(answer.body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  };
  if (requestId) headers["peeker-request-id"] = requestId;
  res.writeHead(answer.status, headers);
  res.end(payload);
}
