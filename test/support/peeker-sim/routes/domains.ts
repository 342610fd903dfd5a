/** Domains (reference §3.4, design §8 `GET /domains/{id}`) and availability (reference §3.3). */
import { invalid, isObject, notFound, ok } from "../http.js";
import { availabilityRow } from "../model.js";
import { listPage, presentFilters } from "../pagination.js";
import type { RouteDef } from "../router.js";
import { domainView } from "../views.js";

/** The June 2026 pages cap a call at 50 names (reference §3.3). */
const MAX_AVAILABILITY_DOMAINS = 50;

export const domainRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: "/domains",
    access: "read",
    handler: (ctx) => {
      const { state, key, query } = ctx;
      const filters = presentFilters(query, ["category", "user_id", "user_email", "usable_for", "status"]);
      const f = Object.fromEntries(filters);
      const emailUser =
        f.user_email === undefined ? undefined : state.userByEmail(key.partnerId, f.user_email);
      const rows = [...state.domains.values()].filter(
        (d) =>
          d.partnerId === key.partnerId &&
          d.status !== "retired" &&
          (f.category === undefined || d.category === f.category) &&
          (f.user_id === undefined || d.user_id === f.user_id) &&
          (f.user_email === undefined || (emailUser !== undefined && d.user_id === emailUser.id)) &&
          (f.usable_for === undefined || d.usable_for.includes(f.usable_for as "google" | "microsoft")) &&
          (f.status === undefined || d.status === f.status),
      );
      return listPage({ baseUrl: ctx.baseUrl, path: "/domains", query, filters }, rows, domainView);
    },
  },
  {
    method: "GET",
    pattern: "/domains/{id}",
    access: "read",
    handler: ({ state, key, params }) => {
      const domain = state.scoped(state.domains, params.id ?? "", key.partnerId);
      if (!domain) throw notFound("domain");
      return ok(domainView(domain));
    },
  },
  {
    method: "POST",
    pattern: "/domains/availability",
    access: "availability",
    handler: ({ state, body }) => {
      if (!isObject(body) || !Array.isArray(body.domains) || body.domains.length === 0) {
        throw invalid("domains", "domains must be a non-empty array of names");
      }
      if (body.domains.length > MAX_AVAILABILITY_DOMAINS) {
        throw invalid("domains", `At most ${MAX_AVAILABILITY_DOMAINS} domains per call`);
      }
      const names = body.domains.map((entry, index) => {
        if (typeof entry !== "string") throw invalid(`domains[${index}]`, "Each domain must be a string");
        return entry;
      });
      return ok({ domains: names.map((name) => availabilityRow(state, name)) });
    },
  },
];
