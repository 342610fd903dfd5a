/**
 * Helpers for tests that talk to the simulator: a raw HTTP caller (to see exactly what the wire carries),
 * body builders with overrides, and the recursive shape used to compare answers with the reference examples.
 */
import { Agent, request } from "undici";
import type { PeekerSim } from "./server.js";
import { SIM_KEYS } from "./state.js";

export interface RawAnswer {
  status: number;
  requestId: string | undefined;
  json: unknown;
}

export interface RawOptions {
  /** Bearer key; `null` sends no Authorization header. Default the full key. */
  key?: string | null;
  /** A whole Authorization header value, to test malformed ones. */
  authorization?: string;
  body?: unknown;
  /** Sent verbatim (for invalid JSON). */
  rawBody?: string;
}

export function rawCaller(sim: PeekerSim, dispatcher: Agent = new Agent()) {
  return async (method: "GET" | "POST", pathOrUrl: string, options: RawOptions = {}): Promise<RawAnswer> => {
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${sim.url}${pathOrUrl}`;
    const headers: Record<string, string> = {};
    const key = options.key === undefined ? SIM_KEYS.full : options.key;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await request(url, { method, headers, body, dispatcher });
    const text = await response.body.text();
    const requestId = response.headers["peeker-request-id"];
    return {
      status: response.statusCode,
      requestId: Array.isArray(requestId) ? requestId[0] : requestId,
      json: text ? (JSON.parse(text) as unknown) : undefined,
    };
  };
}

/**
 * The shape of a JSON value: objects become their keys mapped to shapes, arrays the shape of their first
 * element, scalars their type name (`null` included). Two answers with the same shape have the same field
 * names and value types, whatever the values.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? ["empty"] : [shapeOf(value[0])];
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return typeof value;
}

export interface OrderBodyOverrides {
  user?: string;
  bundle_id?: string;
  google_licenses?: number;
  microsoft_licenses?: number;
  google_inboxes_per_domain?: number;
  domains?: Array<string | { domain: string; forwarding_url?: string }>;
  personas?: Array<{ first_name: string; last_name: string; profile_picture_url: string | null }>;
  forwarding_url?: string;
  sequencer?: Record<string, unknown>;
}

/** A valid custom order: 4 Google licenses at 2 per domain → exactly 2 domains. */
export function buildCustomOrderBody(overrides: OrderBodyOverrides = {}): Record<string, unknown> {
  return {
    user: "client@example.com",
    google_licenses: 4,
    google_inboxes_per_domain: 2,
    sequencer: {
      provider: "smartlead",
      client_id: 366903,
      login_email: "smartlead-login@example.com",
      login_password: "secret-password",
    },
    forwarding_url: "https://acme.com",
    domains: ["acme-mail.com", "team-acme.com"],
    personas: [
      { first_name: "Alex", last_name: "Rivera", profile_picture_url: "https://cdn.acme.com/alex.jpg" },
      { first_name: "Sam", last_name: "Lee", profile_picture_url: "https://cdn.acme.com/sam.jpg" },
    ],
    ...overrides,
  };
}
