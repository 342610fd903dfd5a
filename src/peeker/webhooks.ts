import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Peeker webhook verification and event parsing (design §3 "Webhook answers", §5 "Intake", §8).
 * Pure: no I/O and no clock; the route passes the raw body, the headers and the current time.
 * Verification always runs on the raw bytes, before any JSON parsing: re-serialized JSON does not verify.
 */

export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 256 * 1024;
/** A header can carry many entries; only this many `v1=` entries are ever hashed-and-compared. */
export const MAX_SIGNATURE_ENTRIES = 20;

export const PEEKER_EVENT_ID_HEADER = "peeker-event-id";
export const PEEKER_TIMESTAMP_HEADER = "peeker-timestamp";
export const PEEKER_SIGNATURE_HEADER = "peeker-signature";

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface VerifyWebhookInput {
  headers: WebhookHeaders;
  rawBody: Buffer;
  /** Every secret that may sign (rotation, sandbox and live); empty strings never match. */
  secrets: readonly string[];
  /** Allowed skew in seconds, both directions; exactly at the tolerance is accepted. */
  toleranceSeconds: number;
  /** Current Unix time in seconds (fractions are floored). */
  nowSeconds: number;
  /** Bytes; default 256 KiB. */
  maxBodyBytes?: number;
}

/** Stable, low-cardinality labels for metrics and logs. */
export type WebhookRejectCode =
  | "body_too_large"
  | "missing_header"
  | "duplicate_header"
  | "bad_event_id"
  | "bad_timestamp"
  | "no_v1_signature"
  | "stale_timestamp"
  | "future_timestamp"
  | "bad_signature";

export type VerifyWebhookResult =
  | { ok: true; eventId: string; timestamp: number }
  | { ok: false; status: 400 | 401 | 413; reason: string; code: WebhookRejectCode };

type Rejection = Extract<VerifyWebhookResult, { ok: false }>;

const TIMESTAMP_PATTERN = /^\d{1,12}$/;
// Printable ASCII without spaces or commas: a joined duplicate header ("a, b") is malformed, not an id.
const EVENT_ID_PATTERN = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;
const SIGNATURE_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

function reject(status: Rejection["status"], code: WebhookRejectCode, reason: string): Rejection {
  return { ok: false, status, code, reason };
}

type HeaderRead = { kind: "missing" } | { kind: "duplicate" } | { kind: "value"; value: string };

/** Node lowercases header names, but callers (and tests) may not; two spellings of one name are a duplicate. */
function readHeader(headers: WebhookHeaders, name: string): HeaderRead {
  let found: string | string[] | undefined;
  let seen = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || key.toLowerCase() !== name) continue;
    found = value;
    seen += 1;
  }
  if (found === undefined) return { kind: "missing" };
  if (seen > 1 || Array.isArray(found)) return { kind: "duplicate" };
  if (found.trim() === "") return { kind: "missing" };
  return { kind: "value", value: found };
}

/** Collects up to MAX_SIGNATURE_ENTRIES `v1=` values; the scan stops there so a huge header costs nothing more. */
function v1Entries(header: string): string[] {
  const entries: string[] = [];
  for (const match of header.matchAll(/[^,\s]+/g)) {
    const token = match[0];
    if (token.startsWith("v1=")) entries.push(token.slice(3));
    if (entries.length >= MAX_SIGNATURE_ENTRIES) break;
  }
  return entries;
}

function hmacDigest(secret: string, timestamp: string | number, rawBody: string | Buffer): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** `v1=<lowercase hex>` over `<timestamp>.<raw body>`; what Peeker sends and what the test sender uses. */
export function signWebhookBody(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `v1=${hmacDigest(secret, timestamp, rawBody).toString("hex")}`;
}

/** `PEEKER_WEBHOOK_SECRET` is a comma list; whitespace around a secret is a paste accident, not key material. */
export function parseWebhookSecrets(value: string): string[] {
  return value
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "");
}

function signatureMatches(entries: readonly string[], digests: readonly Buffer[]): boolean {
  let matched = false;
  // No early exit: the work done must not depend on which entry or which secret matched.
  for (const entry of entries) {
    if (!SIGNATURE_HEX_PATTERN.test(entry)) continue;
    const candidate = Buffer.from(entry, "hex");
    for (const digest of digests) {
      if (candidate.length === digest.length && timingSafeEqual(candidate, digest)) matched = true;
    }
  }
  return matched;
}

export function verifyWebhook(input: VerifyWebhookInput): VerifyWebhookResult {
  const maxBodyBytes = input.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  if (input.rawBody.length > maxBodyBytes) {
    return reject(413, "body_too_large", `body is larger than ${maxBodyBytes} bytes`);
  }

  const values: Record<string, string> = {};
  for (const [name, label] of [
    [PEEKER_EVENT_ID_HEADER, "Peeker-Event-Id"],
    [PEEKER_TIMESTAMP_HEADER, "Peeker-Timestamp"],
    [PEEKER_SIGNATURE_HEADER, "Peeker-Signature"],
  ] as const) {
    const read = readHeader(input.headers, name);
    if (read.kind === "missing") return reject(400, "missing_header", `${label} header is missing or empty`);
    if (read.kind === "duplicate")
      return reject(400, "duplicate_header", `${label} header appears more than once`);
    values[name] = read.value;
  }
  const eventId = values[PEEKER_EVENT_ID_HEADER] ?? "";
  const timestampText = values[PEEKER_TIMESTAMP_HEADER] ?? "";
  const signatureHeader = values[PEEKER_SIGNATURE_HEADER] ?? "";

  if (!EVENT_ID_PATTERN.test(eventId)) {
    return reject(
      400,
      "bad_event_id",
      "Peeker-Event-Id must be 1 to 255 printable characters without spaces or commas",
    );
  }
  // Strict digits: parseInt("123abc") is 123, and 13 digits would be milliseconds, never a valid skew.
  if (!TIMESTAMP_PATTERN.test(timestampText)) {
    return reject(400, "bad_timestamp", "Peeker-Timestamp must be Unix time in whole seconds");
  }
  const entries = v1Entries(signatureHeader);
  if (entries.length === 0) return reject(400, "no_v1_signature", "Peeker-Signature has no v1= entry");

  const timestamp = Number(timestampText);
  const skew = Math.floor(input.nowSeconds) - timestamp;
  if (skew > input.toleranceSeconds) {
    return reject(401, "stale_timestamp", "Peeker-Timestamp is older than the allowed tolerance");
  }
  if (-skew > input.toleranceSeconds) {
    return reject(
      401,
      "future_timestamp",
      "Peeker-Timestamp is further in the future than the allowed tolerance",
    );
  }

  // An empty key gives an HMAC anyone can compute, so it must never count as configured.
  const digests = input.secrets
    .filter((secret) => secret !== "")
    .map((secret) => hmacDigest(secret, timestampText, input.rawBody));
  if (!signatureMatches(entries, digests)) {
    return reject(401, "bad_signature", "no v1= signature matches a configured webhook secret");
  }
  return { ok: true, eventId, timestamp };
}

// ---------------------------------------------------------------------------------------------------------
// Event parsing (after verification)

export type WebhookFamily = "order" | "domain" | "domain_import" | "swap";

const FAMILIES: ReadonlySet<string> = new Set<WebhookFamily>(["order", "domain", "domain_import", "swap"]);

/** The catalog in peeker-api.md §5.5; anything else is kept as unknown (design §8: enums stay open). */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  "order.in_progress",
  "order.completed",
  "order.failed",
  "order.action_required",
  "order.cancel_scheduled",
  "order.cancelled",
  "domain.connected",
  "domain.action_required",
  "domain.forwarding_updated",
  "domain.forwarding_failed",
  "domain_import.completed",
  "domain_import.failed",
  "domain_import.action_required",
  "swap.created",
  "swap.in_progress",
  "swap.completed",
  "swap.failed",
  "swap.action_required",
]);

export interface WebhookEvent {
  id: string | null;
  type: string | null;
  createdAt: string | null;
  family: WebhookFamily | null;
  /** An id and a type from the catalog; unknown events are still stored and acknowledged. */
  known: boolean;
  /** `data.<family>` when that is an object, otherwise `data` itself. */
  resource: Record<string, unknown> | null;
  resourceId: string | null;
  status: string | null;
  reason: string | null;
  raw: Record<string, unknown>;
}

export type ParseWebhookEventResult = { ok: true; event: WebhookEvent } | { ok: false; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** `domain_import.completed` → `domain_import`: the prefix up to the first dot, so `domain.` never shadows it. */
export function familyOfType(type: string | null): WebhookFamily | null {
  if (type === null) return null;
  const dot = type.indexOf(".");
  const prefix = dot === -1 ? type : type.slice(0, dot);
  return FAMILIES.has(prefix) ? (prefix as WebhookFamily) : null;
}

/** The docs name the reason on the resource or on its first pending action (design §8); never guessed from type. */
function reasonOf(resource: Record<string, unknown>): string | null {
  const direct = stringOrNull(resource.reason);
  if (direct !== null) return direct;
  const actions = resource.pending_actions;
  if (!Array.isArray(actions)) return null;
  for (const action of actions) {
    if (isObject(action) && typeof action.reason === "string") return action.reason;
  }
  return null;
}

/** `rawBody` as received, or already decoded as UTF-8 (the intake decodes it once for parsing and storing). */
export function parseWebhookEvent(rawBody: Buffer | string): ParseWebhookEventResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof rawBody === "string" ? rawBody : rawBody.toString("utf8"));
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  if (!isObject(parsed)) return { ok: false, reason: "body is not a JSON object" };
  return { ok: true, event: eventFromObject(parsed) };
}

/** The event view of a stored payload (the inbox keeps the parsed JSON object). */
export function eventFromObject(parsed: Record<string, unknown>): WebhookEvent {
  const id = stringOrNull(parsed.id);
  const type = stringOrNull(parsed.type);
  const family = familyOfType(type);
  const data = isObject(parsed.data) ? parsed.data : null;
  // A flat domain event has `data.domain` as its name (a string), so only an object there means nested.
  const nested = data !== null && family !== null ? data[family] : undefined;
  const resource = isObject(nested) ? nested : data;

  return {
    id,
    type,
    createdAt: stringOrNull(parsed.created_at),
    family,
    known: id !== null && type !== null && KNOWN_EVENT_TYPES.has(type),
    resource,
    resourceId: resource === null ? null : stringOrNull(resource.id),
    status: resource === null ? null : stringOrNull(resource.status),
    reason: resource === null ? null : reasonOf(resource),
    raw: parsed,
  };
}
