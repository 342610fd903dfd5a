/**
 * URLs of the API: the configured base keeps its path prefix (`/partner/v1` today, `/api/partner/v1` in older
 * docs), and links taken from answers are only followed inside that base.
 */
import { PeekerError } from "./errors.js";

export type Query = Record<string, string | number | undefined>;

export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`baseUrl is not a URL: ${raw}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`baseUrl must be http(s), got ${url.protocol}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError("baseUrl must not carry a query, fragment or credentials");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export function joinUrl(base: string, path: string, query?: Query): string {
  const url = `${base}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

/**
 * `links.next`/`links.first` are followed verbatim, but only inside the base: the bearer key must never be sent
 * to another host because an answer said so.
 */
export function assertWithinBase(base: string, url: string, route: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PeekerError({
      code: "bad_response",
      message: "Peeker gave a link that is not a URL",
      route,
      method: "GET",
    });
  }
  const allowed = new URL(base);
  const insidePath =
    parsed.pathname === allowed.pathname || parsed.pathname.startsWith(`${allowed.pathname}/`);
  if (parsed.origin !== allowed.origin || !insidePath) {
    throw new PeekerError({
      code: "bad_response",
      message: `Peeker gave a link outside the API base (${parsed.origin}${parsed.pathname})`,
      route,
      method: "GET",
    });
  }
  return url;
}

/** An id as one path segment. */
export function segment(id: string): string {
  if (typeof id !== "string" || id.length === 0) throw new TypeError("an id must be a non-empty string");
  return encodeURIComponent(id);
}

/** Path and query, for logs (never the origin's credentials: the base refuses them). */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
