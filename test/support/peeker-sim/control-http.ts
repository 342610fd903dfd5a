/**
 * The control API over HTTP, for the standalone simulator (`npm run peeker-sim`). Every in-process method of
 * `SimControl` has a route here; bodies are the same objects as the in-process arguments.
 *
 *   POST   /_control/reset
 *   POST   /_control/keys                          { key, preset, environment?, partnerId? }
 *   POST   /_control/users | bundles | orders | domains | imports | swaps     seed (see SeedX types)
 *   POST   /_control/registry                      { domain, status, usable_for?, price_cents? }
 *   POST   /_control/{orders|domains|imports|swaps}/{id}/action_required   { reason?, message?, personaIndexes? }
 *   POST   /_control/{orders|domains|imports|swaps}/{id}/resolve           { action_id? }
 *   POST   /_control/{orders|domains|imports|swaps}/{id}/complete
 *   POST   /_control/{orders|domains|imports|swaps}/{id}/fail
 *   POST   /_control/orders/{id}/cancel            → cancel_scheduled
 *   POST   /_control/orders/{id}/cancelled         → cancelled (domains released)
 *   POST   /_control/faults                        { route?, times?, fault: { kind, … } }
 *   DELETE /_control/faults
 *   PUT    /_control/rate_limit                    { limit?, windowMs? }
 *   GET    /_control/requests[?method=&route=&path=]      DELETE /_control/requests
 *   GET    /_control/events
 *   POST   /_control/clock/advance                 { ms }
 *   GET    /_control/state
 */

import {
  type ActionInput,
  type SeedBundle,
  type SeedDomain,
  type SeedImport,
  type SeedKey,
  type SeedOrder,
  type SeedSwap,
  type SeedUser,
  type SimControl,
  SimControlError,
} from "./control.js";
import type { FaultRule } from "./faults.js";
import type { SimResponse } from "./http.js";
import { isObject } from "./http.js";
import type { ResourceKind } from "./model.js";
import type { RegistryEntry } from "./state.js";

const KINDS: Record<string, ResourceKind> = {
  orders: "order",
  domains: "domain",
  imports: "import",
  swaps: "swap",
};

export function handleControl(
  control: SimControl,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): SimResponse {
  const input = (isObject(body) ? body : {}) as Record<string, unknown>;
  const parts = path.split("/").filter(Boolean);
  const [first, second, third] = parts;
  const done = (data: unknown = { ok: true }): SimResponse => ({ status: 200, body: { data } });

  if (method === "POST" && path === "/reset") {
    control.reset();
    return done();
  }
  if (method === "POST" && path === "/keys") {
    control.addKey(input as unknown as SeedKey);
    return done();
  }
  if (method === "POST" && parts.length === 1) {
    switch (first) {
      case "users":
        return done(control.seedUser(input as unknown as SeedUser));
      case "bundles":
        return done(control.seedBundle(input as SeedBundle));
      case "orders":
        return done(control.seedOrder(input as unknown as SeedOrder));
      case "domains":
        return done(control.seedDomain(input as unknown as SeedDomain));
      case "imports":
        return done(control.seedImport(input as unknown as SeedImport));
      case "swaps":
        return done(control.seedSwap(input as unknown as SeedSwap));
      case "registry": {
        const { domain, ...entry } = input;
        if (typeof domain !== "string") throw new SimControlError(400, "domain is required");
        control.setRegistry(domain, entry as unknown as RegistryEntry);
        return done();
      }
      case "faults":
        control.injectFault(input as unknown as FaultRule);
        return done();
    }
  }
  if (method === "DELETE" && path === "/faults") {
    control.clearFaults();
    return done();
  }
  if ((method === "PUT" || method === "POST") && path === "/rate_limit") {
    control.setRateLimit(input as { limit?: number; windowMs?: number });
    return done();
  }
  if (method === "GET" && path === "/requests") {
    const filter: { method?: string; route?: string; path?: string } = {};
    for (const key of ["method", "route", "path"] as const) {
      const value = query.get(key);
      if (value !== null) filter[key] = value;
    }
    return done(control.requests(filter));
  }
  if (method === "DELETE" && path === "/requests") {
    control.clearRequests();
    return done();
  }
  if (method === "GET" && path === "/events") return done(control.events());
  if (method === "POST" && path === "/clock/advance") {
    if (typeof input.ms !== "number") throw new SimControlError(400, "ms must be a number");
    control.advanceTime(input.ms);
    return done({ now: control.state.nowIso() });
  }
  if (method === "GET" && path === "/state") {
    const { state } = control;
    return done({
      now: state.nowIso(),
      users: [...state.users.values()],
      bundles: [...state.bundles.values()],
      orders: [...state.orders.values()],
      domains: [...state.domains.values()],
      imports: [...state.imports.values()],
      swaps: [...state.swaps.values()],
      pending: [...state.orderActions.values()],
    });
  }

  const kind = first === undefined ? undefined : KINDS[first];
  if (method === "POST" && kind && second && third && parts.length === 3) {
    switch (third) {
      case "action_required":
        return done({ action_ids: control.requireAction(kind, second, input as ActionInput) });
      case "resolve":
        return done({
          action_ids: control.resolve(
            kind,
            second,
            typeof input.action_id === "string" ? input.action_id : undefined,
          ),
        });
      case "complete":
        control.complete(kind, second);
        return done();
      case "fail":
        control.fail(kind, second);
        return done();
      case "cancel":
        if (kind !== "order") break;
        control.cancelOrder(second);
        return done();
      case "cancelled":
        if (kind !== "order") break;
        control.finishCancellation(second);
        return done();
    }
  }
  throw new SimControlError(404, `No control route ${method} /_control${path}`);
}
