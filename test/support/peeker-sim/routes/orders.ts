/**
 * Orders (reference §3.7, design §8): list, read, pending actions, create (validated, deduped for 24 h on the
 * canonical body) and cancel.
 */
import { createHash } from "node:crypto";
import { DAY } from "../../../../src/clock.js";
import { invalid, isObject, notFound, ok, SimHttpError, type SimResponse } from "../http.js";
import {
  emitCreated,
  isBadPictureUrl,
  normalizeDomain,
  openOrderActions,
  PRICES,
  registryEntry,
  scheduleCancellation,
} from "../model.js";
import { listPage, presentFilters } from "../pagination.js";
import type { RouteContext, RouteDef } from "../router.js";
import type { Provider, SimDomain, SimOrder, SimPersona, SimSequencer, SimState, SimUser } from "../state.js";
import { orderRowView, orderView, pendingRowView } from "../views.js";

const ORDER_DEDUPE_MS = DAY;

export const orderRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: "/orders",
    access: "read",
    handler: (ctx) => {
      const { state, key, query } = ctx;
      const filters = presentFilters(query, ["user_id", "user_email", "bundle_id", "status"]);
      const f = Object.fromEntries(filters);
      const rows = [...state.orders.values()].filter(
        (o) =>
          o.partnerId === key.partnerId &&
          (f.user_id === undefined || o.user_id === f.user_id) &&
          (f.user_email === undefined || o.email.toLowerCase() === f.user_email.toLowerCase()) &&
          (f.bundle_id === undefined || o.bundle_id === f.bundle_id) &&
          (f.status === undefined || o.status === f.status),
      );
      return listPage({ baseUrl: ctx.baseUrl, path: "/orders", query, filters }, rows, (o) =>
        orderRowView(state, o),
      );
    },
  },
  {
    method: "GET",
    pattern: "/orders/pending",
    access: "read",
    handler: (ctx) => {
      const { state, key, query } = ctx;
      const filters = presentFilters(query, ["order_id", "user", "domain_id", "status"]);
      // The default is part of the walk: the reference's links.first echoes `status=open`.
      if (!filters.some(([name]) => name === "status")) filters.push(["status", "open"]);
      const f = Object.fromEntries(filters);
      const rows = [...state.orderActions.values()].filter((a) => {
        if (a.partnerId !== key.partnerId || a.status !== f.status) return false;
        if (f.order_id !== undefined && a.order_id !== f.order_id) return false;
        if (f.domain_id !== undefined && a.domain_id !== f.domain_id) return false;
        if (f.user !== undefined) {
          const order = state.orders.get(a.order_id);
          const wanted = f.user.toLowerCase();
          if (!order || (order.user_id !== f.user && order.email.toLowerCase() !== wanted)) return false;
        }
        return true;
      });
      return listPage(
        { baseUrl: ctx.baseUrl, path: "/orders/pending", query, filters },
        rows,
        pendingRowView,
      );
    },
  },
  {
    method: "GET",
    pattern: "/orders/{id}",
    access: "read",
    handler: ({ state, key, params }) => {
      const order = state.scoped(state.orders, params.id ?? "", key.partnerId);
      if (!order) throw notFound("order");
      return ok(orderView(state, order));
    },
  },
  { method: "POST", pattern: "/orders", access: "write", handler: createOrder },
  {
    method: "POST",
    pattern: "/orders/{id}/cancel",
    access: "write",
    handler: ({ state, key, params, body }) => {
      const order = state.scoped(state.orders, params.id ?? "", key.partnerId);
      if (!order) throw notFound("order");
      let only: SimDomain[] | undefined;
      if (body !== undefined) {
        if (!isObject(body) || !Array.isArray(body.domains) || body.domains.length === 0) {
          throw invalid("domains", "domains must be a non-empty array of domain ids or names");
        }
        only = body.domains.map((entry, index) => {
          if (typeof entry !== "string") throw invalid(`domains[${index}]`, "Each domain must be a string");
          const match = order.domainIds
            .map((id) => state.domains.get(id))
            .find((d) => d !== undefined && (d.id === entry || d.domain === normalizeDomain(entry)));
          if (!match) throw invalid(`domains[${index}]`, `${entry} is not on order ${order.id}`);
          return match;
        });
      }
      return ok(scheduleCancellation(state, order, only));
    },
  },
];

interface ParsedOrder {
  user: string;
  sequencer: SimSequencer & { login_email: string };
  bundleId: string | null;
  googleLicenses: number;
  microsoftLicenses: number;
  inboxesPerDomain: 2 | 3;
  googleDomains: number;
  microsoftDomains: number;
  domains: Array<{ domain: string; forwarding_url: string | null }>;
  personas: SimPersona[];
  forwardingUrl: string | null;
}

function createOrder(ctx: RouteContext): SimResponse {
  const { state, key, body } = ctx;
  const parsed = parseOrderBody(state, key.partnerId, body);

  const required = parsed.googleDomains + parsed.microsoftDomains;
  if (parsed.domains.length !== required) {
    throw new SimHttpError(
      400,
      "domain_count_mismatch",
      "Submitted domain count does not match the order plan",
      "domains",
      {
        required_count: required,
        submitted_count: parsed.domains.length,
        missing_count: Math.max(0, required - parsed.domains.length),
      },
    );
  }

  // Retry-safe creation (reference §0): the same normalized body within 24 h answers the same order.
  const fingerprint = `${key.partnerId}:${key.environment}:${fingerprintOf(body as Record<string, unknown>)}`;
  const nowMs = state.now().getTime();
  const previous = state.orderDedupe.get(fingerprint);
  if (previous && nowMs - previous.at < ORDER_DEDUPE_MS) {
    const order = state.orders.get(previous.orderId);
    if (order) return ok(orderRowView(state, order));
  }

  const providers: Provider[] = parsed.domains.map((_, i) =>
    i < parsed.googleDomains ? "google" : "microsoft",
  );
  const held = parsed.domains.filter(({ domain }) => {
    const existing = state.domainByName(domain);
    return (
      existing !== undefined &&
      existing.partnerId === key.partnerId &&
      state.holdingOrder(existing) !== undefined
    );
  });
  if (held.length > 0) {
    throw new SimHttpError(
      400,
      "domain_already_in_active_order",
      "One or more domains are on another in-progress order or one scheduled to cancel",
      "domains",
      { domains: held.map((d) => d.domain) },
    );
  }
  const plan = parsed.domains.map(({ domain, forwarding_url }, index) => {
    const provider = providers[index] ?? "google";
    const field = `domains[${index}]`;
    const existing = state.domainByName(domain);
    let usable: Provider[];
    if (existing && existing.partnerId === key.partnerId) {
      usable = existing.usable_for;
    } else {
      const entry = existing ? { status: "taken" as const } : registryEntry(state, domain);
      if (entry.status === "invalid") throw invalid(field, `${domain} is not a valid root domain`);
      if (entry.status === "premium") {
        throw new SimHttpError(400, "premium_domain_not_supported", `${domain} is a premium domain`, field, {
          domain,
        });
      }
      if (entry.status !== "available") {
        throw new SimHttpError(
          400,
          "domain_not_imported",
          `${domain} is registered elsewhere and has not been imported`,
          field,
          { domain },
        );
      }
      usable = entry.usable_for ?? ["google", "microsoft"];
    }
    if (!usable.includes(provider)) {
      throw new SimHttpError(
        400,
        "domain_not_usable_for_provider",
        `${domain} cannot host ${provider}`,
        field,
        { domain, provider, usable_for: usable },
      );
    }
    return {
      domain,
      forwarding_url,
      provider,
      existing: existing?.partnerId === key.partnerId ? existing : undefined,
      usable,
    };
  });

  const user = findOrCreateUser(state, key.partnerId, parsed);
  const now = state.now();
  const order: SimOrder = {
    id: state.id("ord"),
    partnerId: key.partnerId,
    user_id: user.id,
    email: user.email,
    bundle_id: parsed.bundleId,
    status: "in_progress",
    personas: parsed.personas,
    google_licenses: parsed.bundleId ? null : parsed.googleLicenses,
    microsoft_licenses: parsed.bundleId ? null : parsed.microsoftLicenses,
    google_inboxes_per_domain: parsed.bundleId ? null : parsed.inboxesPerDomain,
    forwarding_url: parsed.forwardingUrl,
    sequencer: { provider: parsed.sequencer.provider, client_id: parsed.sequencer.client_id },
    domainIds: [],
    line_items: [],
    renews_at: new Date(now.getTime() + 30 * DAY).toISOString().replace(/\.\d{3}Z$/, "Z"),
    created_at: state.nowIso(),
    cancellation_scheduled_at: null,
    cancels_at: null,
  };
  let registered = 0;
  for (const step of plan) {
    let domain = step.existing;
    if (!domain) {
      registered++;
      domain = {
        id: state.id("dom"),
        partnerId: key.partnerId,
        domain: step.domain,
        category: "connected",
        status: "in_progress",
        provider: null,
        user_id: null,
        order_id: null,
        usable_for: step.usable,
        forwarding_url: null,
        source: "registered",
        created_at: state.nowIso(),
        actions: [],
        statusBeforeAction: null,
      };
      state.domains.set(domain.id, domain);
    }
    Object.assign(domain, {
      category: "connected",
      status: "in_progress",
      provider: step.provider,
      user_id: user.id,
      order_id: order.id,
      forwarding_url: step.forwarding_url ?? parsed.forwardingUrl,
    });
    order.domainIds.push(domain.id);
  }
  order.line_items = [
    {
      type: "google_license",
      quantity: parsed.googleLicenses,
      amount_cents: parsed.googleLicenses * PRICES.googleLicense,
    },
    {
      type: "microsoft_license",
      quantity: parsed.microsoftLicenses,
      amount_cents: parsed.microsoftLicenses * PRICES.microsoftLicense,
    },
    { type: "domain_registration", quantity: registered, amount_cents: registered * PRICES.registration },
  ].filter((item) => item.quantity > 0);
  state.orders.set(order.id, order);
  state.orderDedupe.set(fingerprint, { orderId: order.id, at: nowMs });
  emitCreated(state, "order", order, "in_progress");
  if (order.personas.some((p) => isBadPictureUrl(p.profile_picture_url))) openOrderActions(state, order);
  return ok(orderRowView(state, order));
}

function parseOrderBody(state: SimState, partnerId: string, body: unknown): ParsedOrder {
  if (!isObject(body)) throw invalid(undefined, "Body must be a JSON object");

  if (typeof body.user !== "string" || body.user.trim() === "") {
    throw invalid("user", "user must be a usr_ id or an email");
  }
  const user = body.user.trim();
  if (user.startsWith("usr_")) {
    if (!state.scoped(state.users, user, partnerId)) throw invalid("user", `Unknown user ${user}`);
  } else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(user)) {
    throw invalid("user", "user must be a usr_ id or an email");
  }

  const sequencer = body.sequencer;
  if (!isObject(sequencer)) throw invalid("sequencer", "sequencer is required");
  if (typeof sequencer.provider !== "string" || sequencer.provider === "") {
    throw invalid("sequencer.provider", "sequencer.provider is required");
  }
  if (typeof sequencer.client_id !== "number" || !Number.isInteger(sequencer.client_id)) {
    throw invalid("sequencer.client_id", "sequencer.client_id must be an integer");
  }
  if (typeof sequencer.login_email !== "string" || !sequencer.login_email.includes("@")) {
    throw invalid("sequencer.login_email", "sequencer.login_email is required");
  }
  if (typeof sequencer.login_password !== "string" || sequencer.login_password === "") {
    throw invalid("sequencer.login_password", "sequencer.login_password is required");
  }

  const customFields = ["google_licenses", "microsoft_licenses", "google_inboxes_per_domain"] as const;
  const hasBundle = body.bundle_id !== undefined && body.bundle_id !== null;
  const hasCustom = customFields.some((field) => body[field] !== undefined && body[field] !== null);
  if (hasBundle && hasCustom) {
    throw new SimHttpError(
      400,
      "order_shape_conflict",
      "Send bundle_id or custom license/density fields, not both",
      "bundle_id",
    );
  }
  if (!hasBundle && !hasCustom) throw invalid("bundle_id", "Send bundle_id or custom license fields");

  let bundleId: string | null = null;
  let googleLicenses: number;
  let microsoftLicenses: number;
  let inboxesPerDomain: 2 | 3;
  let googleDomains: number;
  let microsoftDomains: number;
  if (hasBundle) {
    if (typeof body.bundle_id !== "string") throw invalid("bundle_id", "bundle_id must be a string");
    const bundle = state.scoped(state.bundles, body.bundle_id, partnerId);
    if (bundle?.status !== "active") throw invalid("bundle_id", `Unknown bundle ${body.bundle_id}`);
    bundleId = bundle.id;
    inboxesPerDomain = bundle.google_inboxes_per_domain;
    googleDomains = bundle.required_domains.google;
    microsoftDomains = bundle.required_domains.microsoft;
    googleLicenses = googleDomains * inboxesPerDomain;
    microsoftLicenses = microsoftDomains;
  } else {
    googleLicenses = count(body.google_licenses, "google_licenses");
    microsoftLicenses = count(body.microsoft_licenses, "microsoft_licenses");
    const density = body.google_inboxes_per_domain ?? 2;
    if (density !== 2 && density !== 3)
      throw invalid("google_inboxes_per_domain", "google_inboxes_per_domain must be 2 or 3");
    inboxesPerDomain = density;
    if (googleLicenses + microsoftLicenses === 0)
      throw invalid("google_licenses", "Order at least one license");
    googleDomains = Math.ceil(googleLicenses / inboxesPerDomain);
    microsoftDomains = microsoftLicenses;
  }

  if (!Array.isArray(body.domains) || body.domains.length === 0) {
    throw invalid("domains", "domains must be a non-empty array");
  }
  const seen = new Set<string>();
  const domains = body.domains.map((entry: unknown, index) => {
    const field = `domains[${index}]`;
    let name: unknown = entry;
    let forwarding: string | null = null;
    if (isObject(entry)) {
      name = entry.domain;
      if (entry.forwarding_url !== undefined)
        forwarding = httpUrl(entry.forwarding_url, `${field}.forwarding_url`);
    }
    if (typeof name !== "string") throw invalid(field, "Each domain is a name or { domain, forwarding_url }");
    const domain = normalizeDomain(name);
    if (!/^[a-z0-9.-]+\.[a-z]{2,63}$/.test(domain)) throw invalid(field, `${name} is not a valid domain`);
    if (seen.has(domain)) throw invalid(field, `${domain} is listed twice`);
    seen.add(domain);
    return { domain, forwarding_url: forwarding };
  });

  if (!Array.isArray(body.personas) || body.personas.length === 0 || body.personas.length > 10) {
    throw invalid("personas", "personas must hold 1 to 10 entries");
  }
  const personas = body.personas.map((entry: unknown, index): SimPersona => {
    const field = `personas[${index}]`;
    if (!isObject(entry)) throw invalid(field, "Each persona is an object");
    if (typeof entry.first_name !== "string" || entry.first_name === "") {
      throw invalid(`${field}.first_name`, "first_name is required");
    }
    if (typeof entry.last_name !== "string" || entry.last_name === "") {
      throw invalid(`${field}.last_name`, "last_name is required");
    }
    if (!("profile_picture_url" in entry))
      throw invalid(`${field}.profile_picture_url`, "profile_picture_url is required");
    const url = entry.profile_picture_url;
    if (url !== null && typeof url !== "string") {
      throw invalid(`${field}.profile_picture_url`, "profile_picture_url must be a string");
    }
    return { first_name: entry.first_name, last_name: entry.last_name, profile_picture_url: url };
  });

  const forwardingUrl =
    body.forwarding_url === undefined ? null : httpUrl(body.forwarding_url, "forwarding_url");

  return {
    user,
    sequencer: {
      provider: sequencer.provider,
      client_id: sequencer.client_id,
      login_email: sequencer.login_email,
    },
    bundleId,
    googleLicenses,
    microsoftLicenses,
    inboxesPerDomain,
    googleDomains,
    microsoftDomains,
    domains,
    personas,
    forwardingUrl,
  };
}

function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw invalid(field, `${field} must be a non-negative integer`);
  }
  return value;
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^https?:\/\/[^\s]+$/.test(value))
    throw invalid(field, `${field} must be an http(s) URL`);
  return value;
}

function findOrCreateUser(state: SimState, partnerId: string, parsed: ParsedOrder): SimUser {
  const existing = parsed.user.startsWith("usr_")
    ? state.scoped(state.users, parsed.user, partnerId)
    : state.userByEmail(partnerId, parsed.user);
  if (existing) return existing;
  const user: SimUser = {
    id: state.id("usr"),
    partnerId,
    email: parsed.user.toLowerCase(),
    first_name: null,
    last_name: null,
    status: "active",
    sequencer: { provider: parsed.sequencer.provider, client_id: parsed.sequencer.client_id },
    created_at: state.nowIso(),
  };
  state.users.set(user.id, user);
  return user;
}

/**
 * The normalized order shape (reference §0): keys sorted, user and domains lower-cased. The sequencer password
 * is left out, so a rotated password does not defeat the dedupe of a retried body.
 */
export function fingerprintOf(body: Record<string, unknown>): string {
  const copy = structuredClone(body);
  if (typeof copy.user === "string") copy.user = copy.user.trim().toLowerCase();
  if (isObject(copy.sequencer)) delete copy.sequencer.login_password;
  if (Array.isArray(copy.domains)) {
    copy.domains = copy.domains.map((entry) =>
      typeof entry === "string"
        ? normalizeDomain(entry)
        : isObject(entry) && typeof entry.domain === "string"
          ? { ...entry, domain: normalizeDomain(entry.domain) }
          : entry,
    );
  }
  return createHash("sha256").update(canonicalJson(copy)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
