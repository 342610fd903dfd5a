/**
 * One error class for everything the Peeker client can fail with. Callers branch on `code`, never on the
 * message (Peeker rewords messages; reference §0). Transport failures get codes of their own and keep the
 * original error as `cause`.
 */

/** The `error.code` values Peeker documents (reference §0). */
export type PeekerApiErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "rate_limited"
  | "order_shape_conflict"
  | "domain_count_mismatch"
  | "domain_already_in_active_order"
  | "domain_not_imported"
  | "premium_domain_not_supported"
  | "domain_not_usable_for_provider"
  | "internal_error";

/**
 * Failures that never reached a Peeker answer we could read: `timeout` (per-call timeout or interactive
 * deadline), `network_error` (connect/reset), `bad_response` (not JSON, not the envelope, or a body that fails
 * validation), `aborted` (the caller's signal).
 */
export type PeekerTransportErrorCode = "timeout" | "network_error" | "bad_response" | "aborted";

/** Open union: a code Peeker adds later still reaches the caller as-is. */
export type PeekerErrorCode = PeekerApiErrorCode | PeekerTransportErrorCode | (string & {});

export interface PeekerErrorInit {
  code: PeekerErrorCode;
  message: string;
  /** HTTP status; undefined when no answer was read (transport codes, local rate-limit refusals). */
  status?: number | undefined;
  field?: string | undefined;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  method?: string | undefined;
  /** Route template (`/orders/{id}`), so messages and metrics do not carry ids or query strings. */
  route?: string | undefined;
  cause?: unknown;
}

export class PeekerError extends Error {
  override readonly name = "PeekerError";
  readonly code: PeekerErrorCode;
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  readonly method: string | undefined;
  readonly route: string | undefined;

  constructor(init: PeekerErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.field = init.field;
    this.details = init.details;
    this.requestId = init.requestId;
    this.method = init.method;
    this.route = init.route;
  }

  /** `details.retry_after_seconds` of a 429, when Peeker sent a usable number. */
  get retryAfterSeconds(): number | undefined {
    const value = this.details?.retry_after_seconds;
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
  }

  /** True for answers Peeker gave about the request itself (4xx): repeating it cannot help. */
  get isClientError(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500;
  }
}

export function isPeekerError(value: unknown): value is PeekerError {
  return value instanceof PeekerError;
}

/** The answer a walk gets when its `page_token` no longer matches its filters (reference §0). */
export function isPageTokenRejected(error: unknown): boolean {
  return isPeekerError(error) && error.code === "invalid_request" && error.field === "page_token";
}
