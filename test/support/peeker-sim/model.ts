/**
 * Rules and state transitions shared by the API routes and the control API: the registry's view of a name,
 * the picture check, and the lifecycle steps (action required → resolved, complete, fail, cancel) with the
 * webhook events they would fire.
 */

import type {
  Provider,
  RegistryEntry,
  SimDomain,
  SimImport,
  SimOrder,
  SimOrderAction,
  SimPersona,
  SimResourceAction,
  SimState,
  SimSwap,
} from "./state.js";
import { cancellationView, domainView, importView, orderView, swapView } from "./views.js";

export type ResourceKind = "order" | "domain" | "import" | "swap";

export const EVENT_FAMILY: Record<ResourceKind, string> = {
  order: "order",
  domain: "domain",
  import: "domain_import",
  swap: "swap",
};

export const DEFAULT_MESSAGES: Record<string, string> = {
  profile_picture_not_accessible: "The profile picture URL must be a publicly accessible image URL.",
  update_nameservers: "Point the domain's nameservers at the ones listed in nameserver_groups.",
  replace_domain: "This domain cannot be provisioned; submit a swap with a replacement domain.",
};

export const DEFAULT_NAMESERVERS = ["helena.ns.cloudflare.com", "idris.ns.cloudflare.com"];

export const PRICES = { registration: 1300, renewal: 1500, googleLicense: 100, microsoftLicense: 900 };

export function normalizeDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** Root domains only (`acme-mail.com`, not `mail.acme.com`; reference §3.5). */
export function isRootDomain(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.[a-z]{2,63}$/.test(name);
}

/** What the registry says about a name, ignoring who in the simulator holds it. */
export function registryEntry(state: SimState, name: string): RegistryEntry {
  const override = state.registry.get(name);
  if (override) return override;
  if (!isRootDomain(name)) return { status: "invalid" };
  if (state.domainByName(name)) return { status: "taken" };
  return { status: "available" };
}

/** A row of `POST /domains/availability` (reference §3.3). */
export function availabilityRow(state: SimState, raw: string): Record<string, unknown> {
  const name = normalizeDomain(raw);
  const entry = registryEntry(state, name);
  if (entry.status === "available") {
    return {
      domain: name,
      available: true,
      price_cents: entry.price_cents ?? PRICES.registration,
      renewal_price_cents: entry.renewal_price_cents ?? PRICES.renewal,
      currency: "usd",
      usable_for: [...(entry.usable_for ?? ["google", "microsoft"])],
      premium: false,
    };
  }
  return { domain: name, available: false, premium: entry.status === "premium", reason: entry.status };
}

export function usableFor(state: SimState, name: string): Provider[] {
  return [
    ...(state.domainByName(name)?.usable_for ??
      registryEntry(state, name).usable_for ?? ["google", "microsoft"]),
  ];
}

/**
 * The sandbox stand-in for Peeker's picture probe: an empty or null URL means "no picture"; anything else must
 * be an https URL on a public-looking host.
 */
export function isBadPictureUrl(url: string | null): boolean {
  if (url === null || url === "") return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  const host = parsed.hostname;
  if (parsed.protocol !== "https:" || !host.includes(".")) return true;
  return (
    /^(localhost|127\.|10\.|192\.168\.|169\.254\.|0\.|\[)/.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host)
  );
}

function emitResource(state: SimState, kind: ResourceKind, resource: unknown, status: string): void {
  const suffix = kind === "domain" && status === "active" ? "connected" : status;
  state.emit(`${EVENT_FAMILY[kind]}.${suffix}`, resourceView(state, kind, resource));
}

export function resourceView(state: SimState, kind: ResourceKind, resource: unknown): unknown {
  switch (kind) {
    case "order":
      return orderView(state, resource as SimOrder);
    case "domain":
      return domainView(resource as SimDomain);
    case "import":
      return importView(resource as SimImport);
    case "swap":
      return swapView(resource as SimSwap);
  }
}

// ---- Orders ----

export function firstGoogleDomain(state: SimState, order: SimOrder): SimDomain | undefined {
  const domains = order.domainIds
    .map((id) => state.domains.get(id))
    .filter((d): d is SimDomain => d !== undefined);
  return domains.find((d) => d.provider === "google") ?? domains[0];
}

export interface OrderActionInput {
  reason?: string;
  message?: string;
  /** Which personas the action is about (one row each). Default: every persona with a bad URL, else the first. */
  personaIndexes?: number[];
  domain_id?: string;
}

/** Opens `GET /orders/pending` rows for an order and parks it in `action_required`. */
export function openOrderActions(
  state: SimState,
  order: SimOrder,
  input: OrderActionInput = {},
): SimOrderAction[] {
  const reason = input.reason ?? "profile_picture_not_accessible";
  let indexes = input.personaIndexes;
  if (!indexes) {
    const bad = order.personas.flatMap((p, i) => (isBadPictureUrl(p.profile_picture_url) ? [i] : []));
    indexes = bad.length > 0 ? bad : [0];
  }
  const domain = input.domain_id ? state.domains.get(input.domain_id) : firstGoogleDomain(state, order);
  const created: SimOrderAction[] = [];
  for (const index of indexes) {
    const persona: SimPersona | undefined = order.personas[index];
    const action: SimOrderAction = {
      id: state.id("act"),
      partnerId: order.partnerId,
      type: reason === "profile_picture_not_accessible" ? "google_profile_picture" : reason,
      reason,
      status: "open",
      order_id: order.id,
      domain_id: domain?.id ?? null,
      domain: domain?.domain ?? null,
      user: persona ? { ...persona } : null,
      message: input.message ?? DEFAULT_MESSAGES[reason] ?? "Partner action required.",
      created_at: state.nowIso(),
      resolved_at: null,
    };
    state.orderActions.set(action.id, action);
    created.push(action);
  }
  if (order.status !== "action_required") {
    order.status = "action_required";
    emitResource(state, "order", order, "action_required");
  }
  return created;
}

export function openOrderActionsOf(state: SimState, orderId: string): SimOrderAction[] {
  return [...state.orderActions.values()].filter((a) => a.order_id === orderId && a.status === "open");
}

/** Resolves one (or every) open row of an order; the order resumes once none is left. */
export function resolveOrderActions(state: SimState, order: SimOrder, actionId?: string): SimOrderAction[] {
  const resolved = openOrderActionsOf(state, order.id).filter(
    (a) => actionId === undefined || a.id === actionId,
  );
  for (const action of resolved) {
    action.status = "resolved";
    action.resolved_at = state.nowIso();
  }
  if (order.status === "action_required" && openOrderActionsOf(state, order.id).length === 0) {
    order.status = "in_progress";
    emitResource(state, "order", order, "in_progress");
  }
  return resolved;
}

export function completeOrder(state: SimState, order: SimOrder): void {
  resolveOrderActions(state, order);
  order.status = "completed";
  for (const id of order.domainIds) {
    const domain = state.domains.get(id);
    if (domain && domain.status !== "retired" && domain.status !== "action_required")
      domain.status = "active";
  }
  emitResource(state, "order", order, "completed");
}

/** Schedules cancellation of some (default: all) live domains; the order follows once all are scheduled. */
export function scheduleCancellation(
  state: SimState,
  order: SimOrder,
  only?: SimDomain[],
): Record<string, unknown> {
  const live = order.domainIds
    .map((id) => state.domains.get(id))
    .filter((d): d is SimDomain => d !== undefined && d.status !== "retired");
  if (order.status === "cancelled" || order.status === "cancel_scheduled") {
    return cancellationView(order, only ?? live);
  }
  const targets = only ?? live;
  order.cancellation_scheduled_at ??= state.nowIso();
  order.cancels_at ??= order.renews_at;
  for (const domain of targets) domain.status = "cancel_scheduled";
  if (live.every((d) => d.status === "cancel_scheduled")) {
    order.status = "cancel_scheduled";
    emitResource(state, "order", order, "cancel_scheduled");
  }
  return cancellationView(order, targets);
}

/** The end of the grace window: the order is `cancelled` and its domains are free for a new order. */
export function finishCancellation(state: SimState, order: SimOrder): void {
  if (order.status !== "cancel_scheduled") scheduleCancellation(state, order);
  for (const action of openOrderActionsOf(state, order.id)) {
    action.status = "resolved";
    action.resolved_at = state.nowIso();
  }
  order.status = "cancelled";
  for (const id of order.domainIds) {
    const domain = state.domains.get(id);
    if (!domain || domain.status === "retired") continue;
    domain.category = "inventory";
    domain.status = "available";
    domain.provider = null;
    domain.user_id = null;
    domain.order_id = null;
    domain.forwarding_url = null;
    domain.actions = [];
    domain.statusBeforeAction = null;
  }
  emitResource(state, "order", order, "cancelled");
}

// ---- Domains, imports and swaps ----

type ActionResource = SimDomain | SimImport | SimSwap;

export function openResourceAction(
  state: SimState,
  kind: Exclude<ResourceKind, "order">,
  resource: ActionResource,
  reason: string,
  message?: string,
): SimResourceAction {
  const action: SimResourceAction = {
    id: state.id("act"),
    reason,
    message: message ?? DEFAULT_MESSAGES[reason] ?? "Partner action required.",
  };
  resource.actions.push(action);
  if (resource.status !== "action_required") {
    resource.statusBeforeAction = resource.status;
    resource.status = "action_required";
  }
  emitResource(state, kind, resource, "action_required");
  return action;
}

export function resolveResourceActions(
  state: SimState,
  kind: Exclude<ResourceKind, "order">,
  resource: ActionResource,
  actionId?: string,
): SimResourceAction[] {
  const resolved = resource.actions.filter((a) => actionId === undefined || a.id === actionId);
  resource.actions = resource.actions.filter((a) => !resolved.includes(a));
  if (resource.actions.length === 0 && resource.status === "action_required") {
    resource.status = resource.statusBeforeAction ?? "in_progress";
    resource.statusBeforeAction = null;
    emitResource(state, kind, resource, resource.status);
  }
  return resolved;
}

export function completeImport(state: SimState, domainImport: SimImport): void {
  domainImport.actions = [];
  domainImport.statusBeforeAction = null;
  domainImport.status = "completed";
  for (const name of domainImport.domains) {
    if (state.domainByName(name)) continue;
    const domain = newInventoryDomain(state, domainImport.partnerId, name, "imported");
    state.domains.set(domain.id, domain);
  }
  emitResource(state, "import", domainImport, "completed");
}

export function newInventoryDomain(
  state: SimState,
  partnerId: string,
  name: string,
  source: "registered" | "imported",
  usable: Provider[] = ["google", "microsoft"],
): SimDomain {
  return {
    id: state.id("dom"),
    partnerId,
    domain: name,
    category: "inventory",
    status: "available",
    provider: null,
    user_id: null,
    order_id: null,
    usable_for: usable,
    forwarding_url: null,
    source,
    created_at: state.nowIso(),
    actions: [],
    statusBeforeAction: null,
  };
}

/** The new domain goes live on the order; a standard swap retires the old one at once. */
export function completeSwap(state: SimState, swap: SimSwap): void {
  swap.actions = [];
  swap.statusBeforeAction = null;
  swap.status = "completed";
  const old = state.domains.get(swap.domain_id);
  if (old && swap.replacement_domain) {
    const order = old.order_id ? state.orders.get(old.order_id) : undefined;
    let replacement = state.domainByName(swap.replacement_domain);
    if (!replacement) {
      replacement = newInventoryDomain(state, swap.partnerId, swap.replacement_domain, "registered");
      state.domains.set(replacement.id, replacement);
    }
    Object.assign(replacement, {
      category: "connected",
      status: "active",
      provider: old.provider,
      user_id: old.user_id,
      order_id: old.order_id,
      forwarding_url: old.forwarding_url,
    });
    if (order && !order.domainIds.includes(replacement.id)) order.domainIds.push(replacement.id);
    old.actions = [];
    old.statusBeforeAction = null;
    if (swap.type !== "premium") old.status = "retired";
    emitResource(state, "domain", replacement, "active");
  }
  emitResource(state, "swap", swap, "completed");
}

export function failResource(state: SimState, kind: ResourceKind, resource: SimOrder | ActionResource): void {
  if (kind === "order") {
    const order = resource as SimOrder;
    for (const action of openOrderActionsOf(state, order.id)) {
      action.status = "resolved";
      action.resolved_at = state.nowIso();
    }
  } else {
    (resource as ActionResource).actions = [];
    (resource as ActionResource).statusBeforeAction = null;
  }
  resource.status = "failed";
  emitResource(state, kind, resource, "failed");
}

export function emitCreated(state: SimState, kind: ResourceKind, resource: unknown, type: string): void {
  state.emit(`${EVENT_FAMILY[kind]}.${type}`, resourceView(state, kind, resource));
}
