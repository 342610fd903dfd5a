/**
 * The control API: how tests (in process) and people (over HTTP, `/_control/…`) set the simulator's world up,
 * move resources through their lifecycle, script faults and read back what the bot sent.
 * None of it is part of Peeker's API; it is never rate-limited, faulted or recorded.
 */
import type { FaultBox, FaultRule, RateLimiter, RateLimitOptions } from "./faults.js";
import {
  completeImport,
  completeOrder,
  completeSwap,
  DEFAULT_NAMESERVERS,
  failResource,
  finishCancellation,
  newInventoryDomain,
  type OrderActionInput,
  openOrderActions,
  openOrderActionsOf,
  openResourceAction,
  type ResourceKind,
  resolveOrderActions,
  resolveResourceActions,
  resourceView,
  scheduleCancellation,
} from "./model.js";
import {
  DEFAULT_PARTNER,
  type Preset,
  type Provider,
  type RegistryEntry,
  type SimBundle,
  type SimDomain,
  type SimEvent,
  type SimImport,
  type SimNameserverGroup,
  type SimOrder,
  type SimOrderAction,
  type SimPersona,
  type SimSequencer,
  type SimState,
  type SimSwap,
  type SimUser,
} from "./state.js";

/** One request the simulator received under the API base. The body is kept as sent (tests assert on it). */
export interface RecordedRequest {
  seq: number;
  /** Wall-clock ms when the request arrived (real time, not the simulator clock: tests measure pauses). */
  at: number;
  method: string;
  /** Below the base, without query: `/orders/ord_…`. */
  path: string;
  /** Route template, or null for an unknown route. */
  route: string | null;
  query: Record<string, string>;
  body: unknown;
  /** The bearer key, if the header had the right form. */
  apiKey: string | undefined;
  requestId: string;
  /** Answered status; 0 for a dropped connection; undefined while in flight (or never answered). */
  status: number | undefined;
  /** Under a `write_then_*` fault: the status the request was carried out with, though not answered so. */
  performedStatus?: number;
}

export interface SeedUser {
  id?: string;
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  status?: string;
  sequencer?: SimSequencer | null;
  created_at?: string;
  partnerId?: string;
}

export interface SeedBundle {
  id?: string;
  name?: string;
  status?: string;
  google_inboxes_per_domain?: 2 | 3;
  required_domains?: { google: number; microsoft: number };
  partnerId?: string;
}

export type SeedOrderDomain =
  | string
  | {
      domain: string;
      id?: string;
      provider?: Provider;
      forwarding_url?: string | null;
      source?: "registered" | "imported";
      usable_for?: Provider[];
    };

export interface SeedOrder {
  id?: string;
  /** An existing customer, or… */
  user_id?: string;
  /** …an email: found or created. Default `customer@example.com`. */
  email?: string;
  bundle_id?: string | null;
  /** Default `in_progress`. `action_required` opens `profile_picture_not_accessible` rows (bad URLs, else persona 0). */
  status?: string;
  personas?: SimPersona[];
  /** Google unless a provider is given. */
  domains: SeedOrderDomain[];
  google_licenses?: number | null;
  microsoft_licenses?: number | null;
  google_inboxes_per_domain?: number | null;
  forwarding_url?: string | null;
  sequencer?: SimSequencer;
  created_at?: string;
  partnerId?: string;
}

export interface SeedDomain {
  id?: string;
  domain: string;
  category?: "inventory" | "connected";
  status?: string;
  provider?: Provider | null;
  user_id?: string | null;
  order_id?: string | null;
  usable_for?: Provider[];
  forwarding_url?: string | null;
  source?: "registered" | "imported";
  created_at?: string;
  partnerId?: string;
}

export interface SeedImport {
  id?: string;
  domains: string[];
  nameserver_groups?: SimNameserverGroup[];
  /** Default `in_progress`; `action_required` opens an `update_nameservers` action; `completed` adds the domains to inventory. */
  status?: string;
  user_id?: string | null;
  created_at?: string;
  partnerId?: string;
}

export interface SeedSwap {
  id?: string;
  domain_id: string;
  replacement_domain?: string | null;
  type?: string;
  /** Default `created`; `action_required` opens a `replace_domain` action. */
  status?: string;
  created_at?: string;
}

export interface SeedKey {
  key: string;
  preset: Preset;
  environment?: "test" | "live";
  partnerId?: string;
}

export interface ActionInput extends OrderActionInput {
  reason?: string;
  message?: string;
}

export interface SeededOrder {
  order: SimOrder;
  domains: SimDomain[];
  actions: SimOrderAction[];
}

export class SimControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_SEQUENCER: SimSequencer = { provider: "smartlead", client_id: 366903 };
const DEFAULT_RATE_LIMIT: RateLimitOptions = { limit: 600, windowMs: 60_000 };

export class SimControl {
  readonly recorded: RecordedRequest[] = [];
  readonly emitted: SimEvent[] = [];
  onEvent: ((event: SimEvent) => void) | undefined;

  constructor(
    readonly state: SimState,
    readonly faults: FaultBox,
    readonly limiter: RateLimiter,
    private readonly initialRateLimit: RateLimitOptions = DEFAULT_RATE_LIMIT,
  ) {}

  /** Forgets everything: state, keys back to the defaults, faults, rate limit, recordings. */
  reset(): void {
    this.state.reset();
    this.faults.clear();
    this.limiter.reset();
    this.limiter.set(this.initialRateLimit);
    this.recorded.length = 0;
    this.emitted.length = 0;
  }

  addKey(input: SeedKey): void {
    this.state.keys.set(input.key, {
      key: input.key,
      preset: input.preset,
      environment: input.environment ?? (input.key.startsWith("pk_live_") ? "live" : "test"),
      partnerId: input.partnerId ?? DEFAULT_PARTNER.id,
    });
  }

  revokeKey(key: string): void {
    this.state.keys.delete(key);
  }

  seedUser(input: SeedUser): SimUser {
    const user: SimUser = {
      id: input.id ?? this.state.id("usr"),
      partnerId: input.partnerId ?? DEFAULT_PARTNER.id,
      email: input.email.toLowerCase(),
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
      status: input.status ?? "active",
      sequencer: input.sequencer === undefined ? { ...DEFAULT_SEQUENCER } : input.sequencer,
      created_at: input.created_at ?? this.state.nowIso(),
    };
    this.state.users.set(user.id, user);
    return user;
  }

  seedBundle(input: SeedBundle = {}): SimBundle {
    const required = input.required_domains ?? { google: 1, microsoft: 1 };
    const bundle: SimBundle = {
      id: input.id ?? this.state.id("bun"),
      partnerId: input.partnerId ?? DEFAULT_PARTNER.id,
      name: input.name ?? "Starter — 25k emails/month",
      status: input.status ?? "active",
      google_inboxes_per_domain: input.google_inboxes_per_domain ?? 2,
      required_domains: { ...required, total: required.google + required.microsoft },
      created_at: this.state.nowIso(),
    };
    this.state.bundles.set(bundle.id, bundle);
    return bundle;
  }

  seedOrder(input: SeedOrder): SeededOrder {
    const { state } = this;
    const partnerId = input.partnerId ?? DEFAULT_PARTNER.id;
    let user = input.user_id ? state.scoped(state.users, input.user_id, partnerId) : undefined;
    if (input.user_id && !user) throw new SimControlError(404, `No user ${input.user_id}`);
    user ??= state.userByEmail(partnerId, input.email ?? "customer@example.com");
    user ??= this.seedUser({ email: input.email ?? "customer@example.com", partnerId });

    const status = input.status ?? "in_progress";
    const order: SimOrder = {
      id: input.id ?? state.id("ord"),
      partnerId,
      user_id: user.id,
      email: user.email,
      bundle_id: input.bundle_id ?? null,
      status: status === "action_required" ? "in_progress" : status,
      personas: (
        input.personas ?? [
          { first_name: "Sam", last_name: "Lee", profile_picture_url: "https://cdn.acme.com/sam.jpg" },
        ]
      ).map((p) => ({ ...p })),
      google_licenses: null,
      microsoft_licenses: null,
      google_inboxes_per_domain: null,
      forwarding_url: input.forwarding_url ?? null,
      sequencer: { ...(input.sequencer ?? user.sequencer ?? DEFAULT_SEQUENCER) },
      domainIds: [],
      line_items: [],
      renews_at: "",
      created_at: input.created_at ?? state.nowIso(),
      cancellation_scheduled_at: null,
      cancels_at: null,
    };
    order.renews_at = new Date(Date.parse(order.created_at) + 30 * 86_400_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");

    const domainStatus =
      status === "completed" ? "active" : status === "cancelled" ? "available" : "in_progress";
    const domains = input.domains.map((entry) => {
      const spec = typeof entry === "string" ? { domain: entry } : entry;
      const name = spec.domain.toLowerCase();
      const existing = state.domainByName(name);
      const domain: SimDomain = existing ?? {
        ...newInventoryDomain(state, partnerId, name, spec.source ?? "registered", spec.usable_for),
        id: spec.id ?? state.id("dom"),
      };
      Object.assign(domain, {
        category: "connected",
        status: domainStatus,
        provider: spec.provider ?? "google",
        user_id: user.id,
        order_id: order.id,
        forwarding_url: spec.forwarding_url ?? input.forwarding_url ?? null,
      });
      if (spec.source) domain.source = spec.source;
      state.domains.set(domain.id, domain);
      order.domainIds.push(domain.id);
      return domain;
    });

    const googleDomains = domains.filter((d) => d.provider === "google").length;
    const microsoftDomains = domains.length - googleDomains;
    if (!order.bundle_id) {
      order.google_inboxes_per_domain = input.google_inboxes_per_domain ?? 2;
      order.google_licenses = input.google_licenses ?? googleDomains * order.google_inboxes_per_domain;
      order.microsoft_licenses = input.microsoft_licenses ?? microsoftDomains;
    }
    const google = order.google_licenses ?? googleDomains * 2;
    const microsoft = order.microsoft_licenses ?? microsoftDomains;
    const registered = domains.filter((d) => d.source === "registered").length;
    order.line_items = [
      { type: "google_license", quantity: google, amount_cents: google * 100 },
      { type: "microsoft_license", quantity: microsoft, amount_cents: microsoft * 900 },
      { type: "domain_registration", quantity: registered, amount_cents: registered * 1300 },
    ].filter((item) => item.quantity > 0);
    state.orders.set(order.id, order);

    let actions: SimOrderAction[] = [];
    if (status === "action_required") actions = openOrderActions(state, order);
    if (status === "cancel_scheduled") scheduleCancellation(state, order);
    if (status === "cancelled") finishCancellation(state, order);
    return { order, domains, actions };
  }

  seedDomain(input: SeedDomain): SimDomain {
    const partnerId = input.partnerId ?? DEFAULT_PARTNER.id;
    const base = newInventoryDomain(
      this.state,
      partnerId,
      input.domain.toLowerCase(),
      input.source ?? "imported",
      input.usable_for,
    );
    const connected = input.category === "connected" || input.order_id !== undefined;
    const domain: SimDomain = {
      ...base,
      id: input.id ?? base.id,
      category: connected ? "connected" : "inventory",
      status: input.status ?? (connected ? "active" : "available"),
      provider: input.provider ?? (connected ? "google" : null),
      user_id: input.user_id ?? null,
      order_id: input.order_id ?? null,
      forwarding_url: input.forwarding_url ?? null,
      created_at: input.created_at ?? base.created_at,
    };
    if (domain.order_id) {
      const order = this.state.orders.get(domain.order_id);
      if (!order) throw new SimControlError(404, `No order ${domain.order_id}`);
      domain.user_id ??= order.user_id;
      order.domainIds.push(domain.id);
    }
    const blocked = domain.status === "action_required";
    if (blocked) domain.status = connected ? "active" : "available";
    this.state.domains.set(domain.id, domain);
    if (blocked) openResourceAction(this.state, "domain", domain, "replace_domain");
    return domain;
  }

  seedImport(input: SeedImport): SimImport {
    const domains = input.domains.map((d) => d.toLowerCase());
    const domainImport: SimImport = {
      id: input.id ?? this.state.id("imp"),
      partnerId: input.partnerId ?? DEFAULT_PARTNER.id,
      user_id: input.user_id ?? null,
      domains,
      nameserver_groups: input.nameserver_groups ?? [
        { nameservers: [...DEFAULT_NAMESERVERS], domains: [...domains] },
      ],
      status: "in_progress",
      created_at: input.created_at ?? this.state.nowIso(),
      actions: [],
      statusBeforeAction: null,
    };
    this.state.imports.set(domainImport.id, domainImport);
    if (input.status === "action_required")
      openResourceAction(this.state, "import", domainImport, "update_nameservers");
    else if (input.status === "completed") completeImport(this.state, domainImport);
    else if (input.status) domainImport.status = input.status;
    return domainImport;
  }

  seedSwap(input: SeedSwap): SimSwap {
    const domain = this.state.domains.get(input.domain_id);
    if (!domain) throw new SimControlError(404, `No domain ${input.domain_id}`);
    const swap: SimSwap = {
      id: input.id ?? this.state.id("swp"),
      partnerId: domain.partnerId,
      type: input.type ?? "standard",
      domain_id: domain.id,
      replacement_domain: input.replacement_domain === undefined ? null : input.replacement_domain,
      order_id: domain.order_id,
      user_id: domain.user_id,
      status: "created",
      created_at: input.created_at ?? this.state.nowIso(),
      actions: [],
      statusBeforeAction: null,
    };
    this.state.swaps.set(swap.id, swap);
    if (input.status === "action_required") openResourceAction(this.state, "swap", swap, "replace_domain");
    else if (input.status) swap.status = input.status;
    return swap;
  }

  /** What `POST /domains/availability` (and order/swap checks) say about a name nobody here holds. */
  setRegistry(domain: string, entry: RegistryEntry): void {
    this.state.registry.set(domain.toLowerCase(), entry);
  }

  /**
   * Parks a resource in `action_required`. Orders get `GET /orders/pending` rows (default reason
   * `profile_picture_not_accessible`); domains, imports and swaps get `pending_actions[]` on the resource
   * (default reasons `replace_domain`, `update_nameservers`, `replace_domain`). Returns the new `act_` ids.
   */
  requireAction(kind: ResourceKind, id: string, input: ActionInput = {}): string[] {
    const { state } = this;
    if (kind === "order") return openOrderActions(state, this.#order(id), input).map((a) => a.id);
    const defaults = {
      domain: "replace_domain",
      import: "update_nameservers",
      swap: "replace_domain",
    } as const;
    const resource = this.#resource(kind, id);
    return [openResourceAction(state, kind, resource, input.reason ?? defaults[kind], input.message).id];
  }

  /** Resolves one action (or all of the resource's); the resource resumes when none is left. */
  resolve(kind: ResourceKind, id: string, actionId?: string): string[] {
    if (kind === "order") return resolveOrderActions(this.state, this.#order(id), actionId).map((a) => a.id);
    return resolveResourceActions(this.state, kind, this.#resource(kind, id), actionId).map((a) => a.id);
  }

  complete(kind: ResourceKind, id: string): void {
    switch (kind) {
      case "order":
        completeOrder(this.state, this.#order(id));
        return;
      case "import":
        completeImport(this.state, this.#resource("import", id) as SimImport);
        return;
      case "swap":
        completeSwap(this.state, this.#resource("swap", id) as SimSwap);
        return;
      case "domain": {
        const domain = this.#resource("domain", id) as SimDomain;
        domain.actions = [];
        domain.statusBeforeAction = null;
        domain.status = "active";
        this.state.emit("domain.connected", resourceView(this.state, "domain", domain));
        return;
      }
    }
  }

  fail(kind: ResourceKind, id: string): void {
    failResource(this.state, kind, kind === "order" ? this.#order(id) : this.#resource(kind, id));
  }

  /** Step one of a cancellation (`cancel_scheduled`), as `POST /orders/{id}/cancel` without a body. */
  cancelOrder(id: string): void {
    scheduleCancellation(this.state, this.#order(id));
  }

  /** Step two: the grace window ended; the order is `cancelled` and its domains are free. */
  finishCancellation(id: string): void {
    finishCancellation(this.state, this.#order(id));
  }

  openOrderActions(orderId: string): SimOrderAction[] {
    return openOrderActionsOf(this.state, orderId);
  }

  injectFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setRateLimit(options: Partial<RateLimitOptions>): void {
    this.limiter.set(options);
    this.limiter.reset();
  }

  requests(filter: { method?: string; route?: string; path?: string } = {}): RecordedRequest[] {
    return this.recorded.filter(
      (r) =>
        (filter.method === undefined || r.method === filter.method) &&
        (filter.route === undefined || r.route === filter.route) &&
        (filter.path === undefined || r.path === filter.path),
    );
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  events(): SimEvent[] {
    return [...this.emitted];
  }

  advanceTime(ms: number): void {
    this.state.advanceTime(ms);
  }

  #order(id: string): SimOrder {
    const order = this.state.orders.get(id);
    if (!order) throw new SimControlError(404, `No order ${id}`);
    return order;
  }

  #resource(kind: Exclude<ResourceKind, "order">, id: string): SimDomain | SimImport | SimSwap {
    const map = { domain: this.state.domains, import: this.state.imports, swap: this.state.swaps }[
      kind
    ] as Map<string, SimDomain | SimImport | SimSwap>;
    const resource = map.get(id);
    if (!resource) throw new SimControlError(404, `No ${kind} ${id}`);
    return resource;
  }
}
