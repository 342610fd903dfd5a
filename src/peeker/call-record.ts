/**
 * What every HTTP attempt leaves behind: one log line (`peeker call` / `peeker call failed`) and one
 * `PeekerCallInfo` for the client-wide and per-call hooks (metrics, a job counting its requests).
 * Never the request body: it can hold `sequencer.login_password`.
 */
import type { Logger } from "../logger.js";
import type { PeekerCallInfo, PeekerCallOutcome } from "./client-options.js";
import { PeekerError } from "./errors.js";
import { pathOf } from "./urls.js";

export interface AttemptRecord {
  method: "GET" | "POST";
  route: string;
  url: string;
  attempt: number;
  interactive: boolean;
  ms: number;
  status: number | undefined;
  requestId: string | undefined;
  /** The decoded answer, or the `PeekerError` the attempt ended with. */
  result: unknown;
}

export function recordAttempt(
  logger: Logger,
  hooks: ReadonlyArray<((info: PeekerCallInfo) => void) | undefined>,
  record: AttemptRecord,
): void {
  const { method, route, status, ms, requestId, attempt, interactive } = record;
  const error = record.result instanceof PeekerError ? record.result : undefined;
  const outcome = outcomeOf(error);
  const fields = {
    peeker: {
      method,
      route,
      path: pathOf(record.url),
      status,
      ms,
      requestId,
      attempt,
      interactive,
      outcome,
      ...(error ? { code: error.code, field: error.field } : {}),
    },
  };
  if (error) logger.warn(fields, "peeker call failed");
  else logger.info(fields, "peeker call");
  const info: PeekerCallInfo = { method, route, status, outcome, ms, requestId, attempt, interactive };
  for (const hook of hooks) {
    try {
      hook?.(info);
    } catch {
      // Metrics must never break a call.
    }
  }
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
