/**
 * Peeker's list envelope (reference §2.3 and §0 "Lists"): newest first, `per_page` 1–100 (default 25),
 * `links.first`/`links.next` as full URLs on the simulator's own base, no totals.
 *
 * `page_token` is signed (HMAC-SHA256 with a per-process secret) and carries the cursor *and* the filters of
 * the walk. A token presented with other filters, or tampered with, answers 400 `invalid_request` with
 * `field: "page_token"` — the client must restart from `links.first`.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { invalid, type SimResponse } from "./http.js";

const SECRET = randomBytes(32);

export interface ListRequest {
  /** The simulator's base, e.g. `http://127.0.0.1:4010/partner/v1`. */
  baseUrl: string;
  /** Path below the base, e.g. `/orders/pending`. */
  path: string;
  query: URLSearchParams;
  /**
   * The filters this walk is bound to, in the order they appear in links. Defaults the server applied belong
   * here too (`status=open` on `/orders/pending`, as the reference example echoes it).
   */
  filters: Array<[string, string]>;
}

interface Cursor {
  t: string;
  i: string;
}

interface TokenPayload {
  p: string;
  f: string;
  c: Cursor;
}

function sign(payload: string): string {
  return createHmac("sha256", SECRET).update(payload).digest("base64url");
}

function encodeToken(payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(body)}`;
}

function decodeToken(token: string): TokenPayload | undefined {
  const [body, signature, ...rest] = token.split(".");
  if (!body || !signature || rest.length > 0) return undefined;
  const expected = Buffer.from(sign(body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as TokenPayload;
  } catch {
    return undefined;
  }
}

function canonicalFilters(filters: Array<[string, string]>): string {
  return [...filters]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

export function parsePerPage(query: URLSearchParams): number {
  const raw = query.get("per_page");
  if (raw === null) return 25;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) {
    throw invalid("per_page", "per_page must be an integer between 1 and 100");
  }
  return Number(raw);
}

/** Newest first; ids break created_at ties (they sort in creation order). */
export function newestFirst<T extends { created_at: string; id: string }>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => {
    if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  });
}

function after(row: { created_at: string; id: string }, cursor: Cursor): boolean {
  return row.created_at < cursor.t || (row.created_at === cursor.t && row.id < cursor.i);
}

/** Pages `rows` (already filtered, any order) and answers the list envelope. */
export function listPage<T extends { created_at: string; id: string }>(
  request: ListRequest,
  rows: Iterable<T>,
  view: (row: T) => unknown,
): SimResponse {
  const perPage = parsePerPage(request.query);
  const bound = canonicalFilters(request.filters);
  let sorted = newestFirst(rows);
  const token = request.query.get("page_token");
  if (token !== null) {
    const payload = decodeToken(token);
    if (!payload?.c || typeof payload.c.t !== "string" || typeof payload.c.i !== "string") {
      throw invalid("page_token", "page_token is not valid; restart from links.first");
    }
    if (payload.p !== request.path || payload.f !== bound) {
      throw invalid("page_token", "page_token was issued for other filters; restart from links.first");
    }
    const cursor = payload.c;
    sorted = sorted.filter((row) => after(row, cursor));
  }
  const page = sorted.slice(0, perPage);
  const last = page[page.length - 1];
  const hasMore = sorted.length > perPage && last !== undefined;

  const link = (pageToken?: string) => {
    const params = new URLSearchParams(request.filters);
    params.set("per_page", String(perPage));
    if (pageToken) params.set("page_token", pageToken);
    return `${request.baseUrl}${request.path}?${params.toString()}`;
  };
  return {
    status: 200,
    body: {
      data: page.map(view),
      links: {
        first: link(),
        next: hasMore
          ? link(encodeToken({ p: request.path, f: bound, c: { t: last.created_at, i: last.id } }))
          : null,
      },
      meta: { path: `${request.baseUrl}${request.path}`, per_page: perPage, returned: page.length },
    },
  };
}

/** The filters of `names` present in the query, in the order given. */
export function presentFilters(query: URLSearchParams, names: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of names) {
    const value = query.get(name);
    if (value !== null && value !== "") out.push([name, value]);
  }
  return out;
}
