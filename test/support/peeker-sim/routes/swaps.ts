/**
 * Domain swaps (reference §3.8). Creation checks, in order: the body, the domain to retire (must be on an
 * order), premium only for Microsoft domains, then the replacement: held by an active order, premium, not
 * available and not imported by the partner, or unable to host the retired domain's provider.
 */
import { invalid, isObject, notFound, ok, SimHttpError } from "../http.js";
import { emitCreated, isRootDomain, normalizeDomain, registryEntry } from "../model.js";
import { listPage, presentFilters } from "../pagination.js";
import type { RouteDef } from "../router.js";
import type { Provider, SimSwap } from "../state.js";
import { swapView } from "../views.js";

export const swapRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: "/swaps",
    access: "read",
    handler: (ctx) => {
      const { state, key, query } = ctx;
      const filters = presentFilters(query, ["user_id", "order_id", "domain_id", "status"]);
      const f = Object.fromEntries(filters);
      const rows = [...state.swaps.values()].filter(
        (s) =>
          s.partnerId === key.partnerId &&
          (f.user_id === undefined || s.user_id === f.user_id) &&
          (f.order_id === undefined || s.order_id === f.order_id) &&
          (f.domain_id === undefined || s.domain_id === f.domain_id) &&
          (f.status === undefined || s.status === f.status),
      );
      return listPage({ baseUrl: ctx.baseUrl, path: "/swaps", query, filters }, rows, swapView);
    },
  },
  {
    method: "GET",
    pattern: "/swaps/{id}",
    access: "read",
    handler: ({ state, key, params }) => {
      const swap = state.scoped(state.swaps, params.id ?? "", key.partnerId);
      if (!swap) throw notFound("swap");
      return ok(swapView(swap));
    },
  },
  {
    method: "POST",
    pattern: "/swaps",
    access: "write",
    handler: ({ state, key, body }) => {
      if (!isObject(body)) throw invalid(undefined, "Body must be a JSON object");
      if (body.type !== "standard" && body.type !== "premium")
        throw invalid("type", "type must be standard or premium");
      if (typeof body.domain_id !== "string" || body.domain_id === "")
        throw invalid("domain_id", "domain_id is required");
      if (typeof body.replacement_domain !== "string" || body.replacement_domain === "") {
        throw invalid("replacement_domain", "replacement_domain is required");
      }
      const domain = state.scoped(state.domains, body.domain_id, key.partnerId);
      if (!domain) throw invalid("domain_id", `Unknown domain ${body.domain_id}`);
      if (domain.category !== "connected" || !domain.order_id || domain.status === "retired") {
        throw invalid("domain_id", `${domain.domain} is not on an active order`);
      }
      const provider: Provider = domain.provider ?? "google";
      if (body.type === "premium" && provider !== "microsoft") {
        throw new SimHttpError(
          400,
          "premium_domain_not_supported",
          "Premium swaps are available for Microsoft domains only",
          "type",
          { domain_id: domain.id, provider },
        );
      }

      const name = normalizeDomain(body.replacement_domain);
      const field = "replacement_domain";
      if (!isRootDomain(name)) throw invalid(field, `${body.replacement_domain} is not a valid root domain`);
      if (name === domain.domain)
        throw invalid(field, "The replacement must differ from the domain it replaces");
      const owned = state.domainByName(name);
      let usable: Provider[];
      if (owned && owned.partnerId === key.partnerId) {
        if (state.holdingOrder(owned)) {
          throw new SimHttpError(
            400,
            "domain_already_in_active_order",
            `${name} is on another in-progress order`,
            field,
            { domains: [name] },
          );
        }
        usable = owned.usable_for;
      } else {
        const entry = owned ? { status: "taken" as const } : registryEntry(state, name);
        if (entry.status === "premium") {
          throw new SimHttpError(400, "premium_domain_not_supported", `${name} is a premium domain`, field, {
            domain: name,
          });
        }
        if (entry.status === "invalid") throw invalid(field, `${name} is not a valid root domain`);
        if (entry.status !== "available") {
          throw new SimHttpError(
            400,
            "domain_not_imported",
            `${name} is registered elsewhere and has not been imported for this customer`,
            field,
            { domain: name },
          );
        }
        usable = entry.usable_for ?? ["google", "microsoft"];
      }
      if (!usable.includes(provider)) {
        throw new SimHttpError(
          400,
          "domain_not_usable_for_provider",
          `${name} cannot host ${provider}`,
          field,
          { domain: name, provider, usable_for: usable },
        );
      }

      const swap: SimSwap = {
        id: state.id("swp"),
        partnerId: key.partnerId,
        type: body.type,
        domain_id: domain.id,
        replacement_domain: name,
        order_id: domain.order_id,
        user_id: domain.user_id,
        status: "created",
        created_at: state.nowIso(),
        actions: [],
        statusBeforeAction: null,
      };
      state.swaps.set(swap.id, swap);
      emitCreated(state, "swap", swap, "created");
      return ok(swapView(swap), 201);
    },
  },
];
