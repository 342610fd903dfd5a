/**
 * The Peeker Partner API client: one method per endpoint, grouped by resource. Each names its route template
 * and the schema of its answer; the budget, retries, deadlines and logging of every call are the call path's
 * (caller.ts), the options and their defaults are client-options.ts, the answer shapes types.ts.
 */
import type { Dispatcher } from "undici";
import type { BackgroundCapacity } from "./budget.js";
import { PeekerCaller } from "./caller.js";
import {
  type CallOptions,
  type PeekerClientOptions,
  type PeekerResult,
  resolveClientOptions,
} from "./client-options.js";
import type { Page, PageIterator } from "./paginate.js";
import { createDefaultAgent } from "./transport.js";
import {
  type Availability,
  availabilitySchema,
  type CancelOrderBody,
  type CreateOrderBody,
  type CreateSwapBody,
  type Domain,
  type DomainFilters,
  type DomainImport,
  domainImportSchema,
  domainSchema,
  type Me,
  meSchema,
  type Order,
  type OrderCancellation,
  type OrderFilters,
  type OrderSummary,
  orderCancellationSchema,
  orderSchema,
  orderSummarySchema,
  type PendingActionFilters,
  type PendingOrderAction,
  pendingOrderActionSchema,
  type Swap,
  type SwapFilters,
  swapSchema,
  type User,
  userSchema,
} from "./types.js";
import { segment } from "./urls.js";

export type {
  CallOptions,
  PeekerCallInfo,
  PeekerCallOutcome,
  PeekerClientOptions,
  PeekerResult,
} from "./client-options.js";
export { DEFAULT_BASE_URL } from "./client-options.js";

export class PeekerClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #caller: PeekerCaller;

  constructor(options: PeekerClientOptions) {
    const settings = resolveClientOptions(options);
    this.baseUrl = settings.baseUrl;
    this.#apiKey = settings.apiKey;
    // Created only once every option passed, so a bad one never leaves an agent open.
    this.#dispatcher = options.dispatcher ?? createDefaultAgent();
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#caller = new PeekerCaller(settings, this.#dispatcher);
  }

  /** `test` for a sandbox key (cards show a SANDBOX badge), `live` for a live one. */
  get environment(): "test" | "live" | "unknown" {
    if (this.#apiKey.startsWith("pk_test_")) return "test";
    if (this.#apiKey.startsWith("pk_live_")) return "live";
    return "unknown";
  }

  /** How many background calls may start now (the budget's window and 429 pause), else how soon one may. */
  backgroundCapacity(): BackgroundCapacity {
    return this.#caller.backgroundCapacity();
  }

  /** When a 429 pause is in force, its end; otherwise undefined. */
  get pausedUntil(): Date | undefined {
    return this.#caller.pausedUntil;
  }

  /** Closes the dispatcher if the client created it; an injected one belongs to its owner. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  // ---- Account ----

  me(options?: CallOptions): Promise<PeekerResult<Me>> {
    return this.#caller.get("/me", "/me", meSchema, options);
  }

  getUser(id: string, options?: CallOptions): Promise<PeekerResult<User>> {
    return this.#caller.get(`/users/${segment(id)}`, "/users/{id}", userSchema, options);
  }

  // ---- Orders ----

  listOrders(filters: OrderFilters = {}, options?: CallOptions): PageIterator<OrderSummary> {
    return this.#caller.list("/orders", "/orders", walkQuery(filters), orderSummarySchema, options);
  }

  getOrder(id: string, options?: CallOptions): Promise<PeekerResult<Order>> {
    return this.#caller.get(`/orders/${segment(id)}`, "/orders/{id}", orderSchema, options);
  }

  /** Walks `GET /orders/pending` (default `status=open` on Peeker's side), 100 rows per page unless told. */
  listPendingActions(
    filters: PendingActionFilters = {},
    options?: CallOptions,
  ): PageIterator<PendingOrderAction> {
    const query = walkQuery(filters);
    return this.#caller.list("/orders/pending", "/orders/pending", query, pendingOrderActionSchema, options);
  }

  /** One page of `GET /orders/pending`, Peeker's default page size unless `per_page` is given. */
  listPendingActionsPage(
    filters: PendingActionFilters = {},
    options?: CallOptions,
  ): Promise<Page<PendingOrderAction>> {
    const query = { ...filters };
    return this.#caller
      .list("/orders/pending", "/orders/pending", query, pendingOrderActionSchema, options)
      .firstPage();
  }

  /** Safe to repeat: Peeker returns the same order for the same body for 24 h. */
  createOrder(body: CreateOrderBody, options?: CallOptions): Promise<PeekerResult<OrderSummary>> {
    return this.#caller.post("/orders", "/orders", body, orderSummarySchema, options);
  }

  cancelOrder(
    id: string,
    body?: CancelOrderBody,
    options?: CallOptions,
  ): Promise<PeekerResult<OrderCancellation>> {
    const path = `/orders/${segment(id)}/cancel`;
    return this.#caller.post(path, "/orders/{id}/cancel", body, orderCancellationSchema, options);
  }

  // ---- Domains and imports ----

  listDomains(filters: DomainFilters = {}, options?: CallOptions): PageIterator<Domain> {
    return this.#caller.list("/domains", "/domains", walkQuery(filters), domainSchema, options);
  }

  /** A 404 here means "unknown to Peeker", not "resolved" (design §3). */
  getDomain(id: string, options?: CallOptions): Promise<PeekerResult<Domain>> {
    return this.#caller.get(`/domains/${segment(id)}`, "/domains/{id}", domainSchema, options);
  }

  /** One request whatever the count (one rate-limit token); Peeker caps a call at 50 names. */
  checkAvailability(domains: string[], options?: CallOptions): Promise<PeekerResult<Availability>> {
    if (domains.length === 0) throw new TypeError("checkAvailability needs at least one domain");
    const route = "/domains/availability";
    return this.#caller.post(route, route, { domains }, availabilitySchema, options);
  }

  getImport(id: string, options?: CallOptions): Promise<PeekerResult<DomainImport>> {
    const path = `/domains/import/${segment(id)}`;
    return this.#caller.get(path, "/domains/import/{id}", domainImportSchema, options);
  }

  /** `GET /domains/import?domains=…`, for when only the domain names are known; every page collected. */
  async findImportsByDomains(
    domains: string[],
    options?: CallOptions,
  ): Promise<PeekerResult<DomainImport[]>> {
    if (domains.length === 0) throw new TypeError("findImportsByDomains needs at least one domain");
    const query = { domains: domains.join(",") };
    const walk = this.#caller.list("/domains/import", "/domains/import", query, domainImportSchema, options);
    const data: DomainImport[] = [];
    let requestId: string | undefined;
    for await (const page of walk.pages()) {
      data.push(...page.data);
      requestId = page.requestId;
    }
    return { data, requestId };
  }

  // ---- Swaps ----

  /** Never retried after a 5xx or timeout: look the swap up with `listSwaps({ domain_id })` instead. */
  createSwap(body: CreateSwapBody, options?: CallOptions): Promise<PeekerResult<Swap>> {
    return this.#caller.post("/swaps", "/swaps", body, swapSchema, options);
  }

  getSwap(id: string, options?: CallOptions): Promise<PeekerResult<Swap>> {
    return this.#caller.get(`/swaps/${segment(id)}`, "/swaps/{id}", swapSchema, options);
  }

  listSwaps(filters: SwapFilters = {}, options?: CallOptions): PageIterator<Swap> {
    return this.#caller.list("/swaps", "/swaps", walkQuery(filters), swapSchema, options);
  }
}

/** A full walk asks for the largest page unless the caller chose a size. */
function walkQuery<F extends { per_page?: number }>(filters: F): F {
  return { ...filters, per_page: filters.per_page ?? 100 };
}
