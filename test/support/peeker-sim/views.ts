/**
 * How each record is answered, field for field as reference §§2–3 and design §8 show them. The simulator test
 * compares these against the reference's JSON examples, so a field added here must be added there on purpose.
 */
import type {
  SimDomain,
  SimImport,
  SimOrder,
  SimOrderAction,
  SimResourceAction,
  SimState,
  SimSwap,
  SimUser,
} from "./state.js";

export function userView(user: SimUser): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    status: user.status,
    sequencer: user.sequencer
      ? { provider: user.sequencer.provider, client_id: user.sequencer.client_id }
      : null,
    created_at: user.created_at,
  };
}

function totalCents(order: SimOrder): number {
  return order.line_items.reduce((sum, item) => sum + item.amount_cents, 0);
}

function liveDomains(state: SimState, order: SimOrder): SimDomain[] {
  return order.domainIds
    .map((id) => state.domains.get(id))
    .filter((domain): domain is SimDomain => domain !== undefined && domain.status !== "retired");
}

/** The lean order: `GET /orders` rows and the `POST /orders` receipt share it (reference §3.7). */
export function orderRowView(state: SimState, order: SimOrder): Record<string, unknown> {
  return {
    id: order.id,
    user_id: order.user_id,
    email: order.email,
    bundle_id: order.bundle_id,
    status: order.status,
    domain_count: liveDomains(state, order).length,
    costs: { total_cents: totalCents(order), currency: "usd" },
    renews_at: order.renews_at,
    created_at: order.created_at,
  };
}

/** `GET /orders/{id}`: the reference's inferred full order with the additions of design §8. */
export function orderView(state: SimState, order: SimOrder): Record<string, unknown> {
  const domains = liveDomains(state, order);
  const view: Record<string, unknown> = {
    ...orderRowView(state, order),
    costs: {
      total_cents: totalCents(order),
      currency: "usd",
      line_items: order.line_items.map((item) => ({ ...item })),
    },
    domains: {
      registered: domains.filter((d) => d.source === "registered").map((d) => d.domain),
      imported: domains.filter((d) => d.source === "imported").map((d) => d.domain),
    },
    personas: order.personas.map((persona) => ({ ...persona })),
    google_licenses: order.google_licenses,
    microsoft_licenses: order.microsoft_licenses,
    google_inboxes_per_domain: order.google_inboxes_per_domain,
    forwarding_url: order.forwarding_url,
    // Never the login email or password: Peeker does not echo credentials.
    sequencer: { provider: order.sequencer.provider, client_id: order.sequencer.client_id },
  };
  if (order.cancellation_scheduled_at) {
    view.cancellation_scheduled_at = order.cancellation_scheduled_at;
    view.cancels_at = order.cancels_at;
  }
  return view;
}

export function cancellationView(order: SimOrder, domains: SimDomain[]): Record<string, unknown> {
  return {
    id: order.id,
    status: order.status,
    cancellation_scheduled_at: order.cancellation_scheduled_at,
    cancels_at: order.cancels_at,
    domains: domains.map((domain) => ({ id: domain.id, domain: domain.domain })),
  };
}

/** `status: "action_required"`, `reason`, `message`, `pending_actions[]` on a blocked resource (design §8). */
function withActions(view: Record<string, unknown>, actions: SimResourceAction[]): Record<string, unknown> {
  const first = actions[0];
  if (!first) return view;
  return {
    ...view,
    reason: first.reason,
    message: first.message,
    pending_actions: actions.map((action) => ({
      id: action.id,
      reason: action.reason,
      message: action.message,
    })),
  };
}

export function domainView(domain: SimDomain): Record<string, unknown> {
  const view: Record<string, unknown> =
    domain.category === "connected"
      ? {
          id: domain.id,
          domain: domain.domain,
          category: domain.category,
          status: domain.status,
          provider: domain.provider,
          user_id: domain.user_id,
          order_id: domain.order_id,
          usable_for: [...domain.usable_for],
          forwarding_url: domain.forwarding_url,
          created_at: domain.created_at,
        }
      : // Inventory rows omit provider, user_id, order_id and forwarding_url (reference §3.4).
        {
          id: domain.id,
          domain: domain.domain,
          category: domain.category,
          status: domain.status,
          usable_for: [...domain.usable_for],
          created_at: domain.created_at,
        };
  return withActions(view, domain.actions);
}

export function importView(domainImport: SimImport): Record<string, unknown> {
  return withActions(
    {
      id: domainImport.id,
      status: domainImport.status,
      nameserver_groups: domainImport.nameserver_groups.map((group) => ({
        nameservers: [...group.nameservers],
        domains: [...group.domains],
      })),
      created_at: domainImport.created_at,
    },
    domainImport.actions,
  );
}

export function swapView(swap: SimSwap): Record<string, unknown> {
  return withActions(
    {
      id: swap.id,
      type: swap.type,
      domain_id: swap.domain_id,
      replacement_domain: swap.replacement_domain,
      status: swap.status,
      created_at: swap.created_at,
    },
    swap.actions,
  );
}

/** A `GET /orders/pending` row: the documented fields plus `order_id` (design §8). */
export function pendingRowView(action: SimOrderAction): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: action.id,
    type: action.type,
    reason: action.reason,
    status: action.status,
    order_id: action.order_id,
    domain_id: action.domain_id,
    domain: action.domain,
    user: action.user ? { ...action.user } : null,
    message: action.message,
    created_at: action.created_at,
  };
  if (action.resolved_at) view.resolved_at = action.resolved_at;
  return view;
}
