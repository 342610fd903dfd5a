/**
 * A tiny router: routes are `METHOD /path/{param}` templates; literal segments win over parameters, so
 * `/orders/pending` is never read as an order id.
 */
import type { SimResponse } from "./http.js";
import type { SimKey, SimState } from "./state.js";

export interface RouteContext {
  state: SimState;
  key: SimKey;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The simulator's public base, e.g. `http://127.0.0.1:4010/partner/v1`. */
  baseUrl: string;
  /** Path below the base. */
  path: string;
}

/** `read`: any preset; `availability`: `full` or `limited` (reference §1); `write`: `full` only. */
export type Access = "read" | "availability" | "write";

export interface RouteDef {
  method: "GET" | "POST";
  pattern: string;
  access: Access;
  handler: (ctx: RouteContext) => SimResponse;
}

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

function score(pattern: string): number {
  // More literal segments first.
  return pattern.split("/").filter((s) => s && !s.startsWith("{")).length;
}

export class Router {
  readonly #routes: RouteDef[];

  constructor(routes: RouteDef[]) {
    this.#routes = [...routes].sort((a, b) => score(b.pattern) - score(a.pattern));
  }

  match(method: string, path: string): RouteMatch | undefined {
    const segments = path.split("/").filter(Boolean);
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const parts = route.pattern.split("/").filter(Boolean);
      if (parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] ?? "";
        const segment = segments[i] ?? "";
        if (part.startsWith("{") && part.endsWith("}")) {
          const value = safeDecode(segment);
          if (value === undefined) {
            matched = false;
            break;
          }
          params[part.slice(1, -1)] = value;
        } else if (part !== segment) {
          matched = false;
          break;
        }
      }
      if (matched) return { route, params };
    }
    return undefined;
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
