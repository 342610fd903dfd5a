import type { NameserverGroup, Persona } from "../peeker/types.js";

export type ResourceKind = "order" | "domain" | "domain_import" | "swap";

/** What is shown about an action beyond its ids; stored in `pending_actions.details`. */
export interface ActionDetails {
  personas?: Persona[];
  domains?: string[];
  nameserverGroups?: NameserverGroup[];
  /** Peeker's status of the resource when last read, shown as-is (enums stay open). */
  resourceStatus?: string;
}

/** An action Peeker lists as open now. */
export interface ObservedAction {
  cardKey: string;
  reason: string;
  resourceKind: ResourceKind;
  resourceId: string;
  orderId?: string | null;
  domainId?: string | null;
  domain?: string | null;
  importId?: string | null;
  swapId?: string | null;
  userId?: string | null;
  customerEmail?: string | null;
  peekerActionIds: string[];
  message?: string | null;
  details: ActionDetails;
  /** Peeker's `created_at` of the oldest grouped action: the card shows it, whatever order events came in. */
  openedAt: Date;
}

/**
 * One re-read of one resource. Every tracked, unresolved action inside `scope` that is not in `open` is no
 * longer pending and gets resolved with `resolution`.
 */
export interface Snapshot {
  scope?: {
    /** `card_key` scopes one card (a `GET /orders/pending` row without order_id has no other id). */
    column: "order_id" | "import_id" | "domain_id" | "swap_id" | "card_key";
    id: string;
    /** Only rows first reported by these resource kinds; unset = every kind. */
    kinds?: ResourceKind[];
  };
  open: ObservedAction[];
  resolution: string;
  /**
   * Rows in `resolving` inside `scope` are left as they are: a resource still under way (a swap in progress)
   * does not decide a card our own resolution locked and is waiting on.
   */
  spareResolving?: boolean;
  /** Open actions that must go back from `resolving` to `open`, with why (a failed swap, say). */
  reopenWhy?: string;
  requestIds: string[];
}
