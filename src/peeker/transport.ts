/**
 * One HTTP exchange with Peeker over an injected undici dispatcher: send, read the whole body, classify a
 * failure. No retries, no budget, no decoding of the envelope — the client does those.
 */
import { Agent, type Dispatcher, request } from "undici";
import { PeekerError } from "./errors.js";

export interface AttemptRequest {
  dispatcher: Dispatcher;
  method: "GET" | "POST";
  url: string;
  /** Route template, for error messages. */
  route: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts this attempt; a `PeekerError` reason is rethrown as-is, any other reason becomes `aborted`. */
  signal?: AbortSignal | undefined;
  /** This attempt's own timeout, ms. */
  timeoutMs: number;
}

export interface AttemptResponse {
  status: number;
  requestId: string | undefined;
  /** Parsed JSON; `undefined` when the body was empty or not JSON (`parseFailed` tells them apart). */
  json: unknown;
  parseFailed: boolean;
}

/** Peeker answers are small; a larger one is a fault, not data. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * The default dispatcher. undici's own header/body timeouts are five minutes; these bound a silent server even
 * if a caller forgets its own timeout (reliability notes, API10).
 */
export function createDefaultAgent(): Agent {
  return new Agent({
    connect: { timeout: 5_000 },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
    keepAliveTimeout: 4_000,
    maxResponseSize: MAX_RESPONSE_BYTES,
  });
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export async function sendAttempt(input: AttemptRequest): Promise<AttemptResponse> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), input.timeoutMs);
  const signal = input.signal ? AbortSignal.any([input.signal, timeout.signal]) : timeout.signal;
  let requestId: string | undefined;
  let status: number | undefined;
  try {
    const response = await request(input.url, {
      dispatcher: input.dispatcher,
      method: input.method,
      headers: input.headers,
      body: input.body,
      signal,
    });
    status = response.statusCode;
    requestId = headerValue(response.headers["peeker-request-id"]);
    // Always read the body to the end, so the connection goes back to the pool.
    const text = await response.body.text();
    if (text.length === 0) return { status, requestId, json: undefined, parseFailed: false };
    try {
      return { status, requestId, json: JSON.parse(text) as unknown, parseFailed: false };
    } catch {
      return { status, requestId, json: undefined, parseFailed: true };
    }
  } catch (cause) {
    throw classify(cause, input, { timedOut: timeout.signal.aborted, status, requestId });
  } finally {
    clearTimeout(timer);
  }
}

function classify(
  cause: unknown,
  input: AttemptRequest,
  seen: { timedOut: boolean; status: number | undefined; requestId: string | undefined },
): PeekerError {
  const base = {
    method: input.method,
    route: input.route,
    status: seen.status,
    requestId: seen.requestId,
    cause,
  };
  if (seen.timedOut) {
    return new PeekerError({
      ...base,
      code: "timeout",
      message: `${describe(input)} timed out after ${input.timeoutMs} ms`,
    });
  }
  if (input.signal?.aborted) {
    const reason: unknown = input.signal.reason;
    if (reason instanceof PeekerError) return reason;
    return new PeekerError({ ...base, code: "aborted", message: `${describe(input)} was aborted` });
  }
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "";
  if (TIMEOUT_CODES.has(code)) {
    return new PeekerError({ ...base, code: "timeout", message: `${describe(input)} timed out (${code})` });
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PeekerError({ ...base, code: "network_error", message: `${describe(input)} failed: ${reason}` });
}

function describe(input: AttemptRequest): string {
  return `Peeker ${input.method} ${input.route}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
