/**
 * Domain imports (reference §3.5 and design §8): the import object carries `nameserver_groups`
 * (`[{ nameservers, domains }]`); `GET /domains/import?domains=…` answers a list.
 */
import { invalid, isObject, notFound, ok } from "../http.js";
import { DEFAULT_NAMESERVERS, emitCreated, isRootDomain, normalizeDomain } from "../model.js";
import { listPage } from "../pagination.js";
import type { RouteDef } from "../router.js";
import type { SimImport } from "../state.js";
import { importView } from "../views.js";

export const importRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: "/domains/import",
    access: "read",
    handler: (ctx) => {
      const { state, key, query } = ctx;
      const raw = query.get("domains");
      if (raw === null || raw.trim() === "")
        throw invalid("domains", "domains is required (comma-separated names)");
      const wanted = new Set(raw.split(",").map(normalizeDomain).filter(Boolean));
      const rows = [...state.imports.values()].filter(
        (i) => i.partnerId === key.partnerId && i.domains.some((d) => wanted.has(d)),
      );
      return listPage(
        { baseUrl: ctx.baseUrl, path: "/domains/import", query, filters: [["domains", raw]] },
        rows,
        importView,
      );
    },
  },
  {
    method: "GET",
    pattern: "/domains/import/{id}",
    access: "read",
    handler: ({ state, key, params }) => {
      const domainImport = state.scoped(state.imports, params.id ?? "", key.partnerId);
      if (!domainImport) throw notFound("import");
      return ok(importView(domainImport));
    },
  },
  {
    method: "POST",
    pattern: "/domains/import",
    access: "write",
    handler: ({ state, key, body }) => {
      if (!isObject(body) || !Array.isArray(body.domains) || body.domains.length === 0) {
        throw invalid("domains", "domains must be a non-empty array of root domains");
      }
      const domains = body.domains.map((entry, index) => {
        const name = typeof entry === "string" ? normalizeDomain(entry) : "";
        if (!isRootDomain(name)) throw invalid(`domains[${index}]`, "Submit root domains only");
        return name;
      });
      const domainImport: SimImport = {
        id: state.id("imp"),
        partnerId: key.partnerId,
        user_id: null,
        domains: [...new Set(domains)],
        nameserver_groups: [{ nameservers: [...DEFAULT_NAMESERVERS], domains: [...new Set(domains)] }],
        status: "in_progress",
        created_at: state.nowIso(),
        actions: [],
        statusBeforeAction: null,
      };
      state.imports.set(domainImport.id, domainImport);
      emitCreated(state, "import", domainImport, "in_progress");
      return ok(importView(domainImport));
    },
  },
];
