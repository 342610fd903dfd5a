/**
 * The simulator's in-memory world: partners and their keys, customers, bundles, orders, domains, imports,
 * swaps and pending actions. Every record belongs to a partner; every lookup through `scoped` is
 * account-scoped, so another partner's id answers `not_found` exactly like a missing one (reference §0).
 */
import type { Clock } from "../../../src/clock.js";
import { isoSeconds, newId } from "./ids.js";

export type Preset = "full" | "limited" | "read";
export type Provider = "google" | "microsoft";

export interface SimPartner {
  id: string;
  name: string;
}

export interface SimKey {
  key: string;
  preset: Preset;
  environment: "test" | "live";
  partnerId: string;
}

export interface SimSequencer {
  provider: string;
  client_id: number;
}

export interface SimUser {
  id: string;
  partnerId: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  status: string;
  sequencer: SimSequencer | null;
  created_at: string;
}

export interface SimBundle {
  id: string;
  partnerId: string;
  name: string;
  status: string;
  google_inboxes_per_domain: 2 | 3;
  required_domains: { google: number; microsoft: number; total: number };
  created_at: string;
}

export interface SimPersona {
  first_name: string;
  last_name: string;
  profile_picture_url: string | null;
}

export interface SimOrder {
  id: string;
  partnerId: string;
  user_id: string;
  email: string;
  bundle_id: string | null;
  status: string;
  personas: SimPersona[];
  google_licenses: number | null;
  microsoft_licenses: number | null;
  google_inboxes_per_domain: number | null;
  forwarding_url: string | null;
  sequencer: SimSequencer;
  domainIds: string[];
  line_items: Array<{ type: string; quantity: number; amount_cents: number }>;
  renews_at: string;
  created_at: string;
  cancellation_scheduled_at: string | null;
  cancels_at: string | null;
}

/** A pending action shown on a domain, import or swap (design §8). */
export interface SimResourceAction {
  id: string;
  reason: string;
  message: string;
}

interface ActionHolder {
  status: string;
  /** Open actions; the resource is `action_required` while any is listed. */
  actions: SimResourceAction[];
  /** The status to return to once every action is resolved. */
  statusBeforeAction: string | null;
}

export interface SimDomain extends ActionHolder {
  id: string;
  partnerId: string;
  domain: string;
  category: "inventory" | "connected";
  provider: Provider | null;
  user_id: string | null;
  order_id: string | null;
  usable_for: Provider[];
  forwarding_url: string | null;
  /** How the partner got it; feeds the `registered`/`imported` split of the full order. */
  source: "registered" | "imported";
  created_at: string;
}

export interface SimNameserverGroup {
  nameservers: string[];
  domains: string[];
}

export interface SimImport extends ActionHolder {
  id: string;
  partnerId: string;
  user_id: string | null;
  domains: string[];
  nameserver_groups: SimNameserverGroup[];
  created_at: string;
}

export interface SimSwap extends ActionHolder {
  id: string;
  partnerId: string;
  type: string;
  domain_id: string;
  replacement_domain: string | null;
  order_id: string | null;
  user_id: string | null;
  created_at: string;
}

/** A row of `GET /orders/pending`. */
export interface SimOrderAction {
  id: string;
  partnerId: string;
  type: string;
  reason: string;
  status: "open" | "resolved";
  order_id: string;
  domain_id: string | null;
  domain: string | null;
  user: SimPersona | null;
  message: string;
  created_at: string;
  resolved_at: string | null;
}

/** What the registry says about a name nobody in the simulator holds (availability, order and swap checks). */
export interface RegistryEntry {
  status: "available" | "taken" | "premium" | "invalid" | "errored" | "stale";
  usable_for?: Provider[];
  price_cents?: number;
  renewal_price_cents?: number;
}

export interface SimEvent {
  id: string;
  type: string;
  created_at: string;
  data: unknown;
}

export const DEFAULT_PARTNER: SimPartner = { id: "org_01HZX0OG1A2B3C4D5E6F7G8H", name: "Acme Resellers" };
export const OTHER_PARTNER: SimPartner = { id: "org_01HZX0OG9Z8Y7X6W5V4T3S2R", name: "Other Partner" };

/** Keys every fresh simulator accepts. */
export const SIM_KEYS = {
  full: "pk_test_sim_full_0123456789",
  limited: "pk_test_sim_limited_0123456789",
  read: "pk_test_sim_read_0123456789",
  /** A full key of another partner: its resources are invisible to the others (`not_found`). */
  otherPartner: "pk_test_sim_other_0123456789",
  live: "pk_live_sim_full_0123456789",
} as const;

export const ORDER_HOLDING_STATUSES = new Set(["in_progress", "action_required", "cancel_scheduled"]);

export class SimState {
  partners = new Map<string, SimPartner>();
  keys = new Map<string, SimKey>();
  users = new Map<string, SimUser>();
  bundles = new Map<string, SimBundle>();
  orders = new Map<string, SimOrder>();
  domains = new Map<string, SimDomain>();
  imports = new Map<string, SimImport>();
  swaps = new Map<string, SimSwap>();
  orderActions = new Map<string, SimOrderAction>();
  registry = new Map<string, RegistryEntry>();
  /** Order fingerprint → order id and when it was first created (ms on the simulator clock). */
  orderDedupe = new Map<string, { orderId: string; at: number }>();
  #offsetMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly emitEvent: (event: SimEvent) => void,
  ) {
    this.reset();
  }

  reset(): void {
    for (const map of [
      this.partners,
      this.keys,
      this.users,
      this.bundles,
      this.orders,
      this.domains,
      this.imports,
      this.swaps,
      this.orderActions,
      this.registry,
      this.orderDedupe,
    ]) {
      map.clear();
    }
    this.#offsetMs = 0;
    this.partners.set(DEFAULT_PARTNER.id, DEFAULT_PARTNER);
    this.partners.set(OTHER_PARTNER.id, OTHER_PARTNER);
    const add = (key: string, preset: Preset, partnerId: string, environment: "test" | "live" = "test") =>
      this.keys.set(key, { key, preset, partnerId, environment });
    add(SIM_KEYS.full, "full", DEFAULT_PARTNER.id);
    add(SIM_KEYS.limited, "limited", DEFAULT_PARTNER.id);
    add(SIM_KEYS.read, "read", DEFAULT_PARTNER.id);
    add(SIM_KEYS.otherPartner, "full", OTHER_PARTNER.id);
    add(SIM_KEYS.live, "full", DEFAULT_PARTNER.id, "live");
  }

  /** The simulator's notion of now: the injected clock plus whatever `advanceTime` added. */
  now(): Date {
    return new Date(this.clock.now().getTime() + this.#offsetMs);
  }

  nowIso(): string {
    return isoSeconds(this.now());
  }

  advanceTime(ms: number): void {
    this.#offsetMs += ms;
  }

  id(prefix: string): string {
    return newId(prefix, this.now().getTime());
  }

  emit(type: string, data: unknown): void {
    this.emitEvent({ id: this.id("evt"), type, created_at: this.nowIso(), data });
  }

  /** Account-scoped lookup: another partner's record is as absent as a missing one. */
  scoped<T extends { partnerId: string }>(map: Map<string, T>, id: string, partnerId: string): T | undefined {
    const record = map.get(id);
    return record && record.partnerId === partnerId ? record : undefined;
  }

  domainByName(name: string): SimDomain | undefined {
    const wanted = name.toLowerCase();
    for (const domain of this.domains.values()) if (domain.domain === wanted) return domain;
    return undefined;
  }

  userByEmail(partnerId: string, email: string): SimUser | undefined {
    const wanted = email.toLowerCase();
    for (const user of this.users.values()) {
      if (user.partnerId === partnerId && user.email.toLowerCase() === wanted) return user;
    }
    return undefined;
  }

  /** The active order holding a domain, if any (design §8: in_progress, action_required, cancel_scheduled). */
  holdingOrder(domain: SimDomain): SimOrder | undefined {
    if (!domain.order_id || domain.status === "retired" || domain.status === "cancelled") return undefined;
    const order = this.orders.get(domain.order_id);
    return order && ORDER_HOLDING_STATUSES.has(order.status) ? order : undefined;
  }
}
