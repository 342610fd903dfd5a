import { z } from "zod";
import {
  openEnum,
  type PageFilters,
  type PersonaInput,
  pendingReason,
  personaSchema,
  type SequencerInput,
  sequencerSchema,
} from "./types-shared.js";

/** Orders, their pending actions (`GET /orders/pending`), and what the bot sends to create or cancel one. */

export const ORDER_STATUSES = [
  "in_progress",
  "completed",
  "failed",
  "action_required",
  "cancel_scheduled",
  "cancelled",
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number] | (string & {});

const orderStatus = openEnum(ORDER_STATUSES);

/** A row of `GET /orders/pending`. `order_id` is our decision (design §8); the rest is documented. */
export const pendingOrderActionSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  reason: pendingReason,
  status: openEnum(["open", "resolved"] as const),
  order_id: z.string().nullish(),
  domain_id: z.string().nullish(),
  domain: z.string().nullish(),
  user: personaSchema.nullish(),
  message: z.string().nullish(),
  created_at: z.string(),
  resolved_at: z.string().nullish(),
});
export type PendingOrderAction = z.infer<typeof pendingOrderActionSchema>;

const costsSchema = z.looseObject({
  total_cents: z.number(),
  currency: z.string(),
  line_items: z
    .array(z.looseObject({ type: z.string(), quantity: z.number(), amount_cents: z.number() }))
    .optional(),
});

/** The lean order: a `GET /orders` row and the `POST /orders` receipt (reference §3.7). */
export const orderSummarySchema = z.looseObject({
  id: z.string(),
  user_id: z.string(),
  email: z.string().nullish(),
  bundle_id: z.string().nullable().optional(),
  status: orderStatus,
  domain_count: z.number().optional(),
  costs: costsSchema.optional(),
  renews_at: z.string().nullish(),
  created_at: z.string(),
});
export type OrderSummary = z.infer<typeof orderSummarySchema>;

/** One domain of a full order, whichever of the shapes below Peeker answered. */
export interface OrderDomain {
  domain: string;
  id?: string | undefined;
  /** `registered` (bought for the order) or `imported` (from the customer's inventory), when known. */
  source?: "registered" | "imported" | undefined;
  provider?: string | undefined;
  forwarding_url?: string | null | undefined;
  [extra: string]: unknown;
}

const orderDomainObject = z.looseObject({
  domain: z.string(),
  id: z.string().optional(),
  provider: z.string().optional(),
  forwarding_url: z.string().nullish(),
});

/**
 * The reference infers `domains: { registered: string[], imported: string[] }` for `GET /orders/{id}`; the cancel
 * answer uses `[{ id, domain }]`. Both are accepted and handed inward as one list, so callers do not care.
 */
const orderDomainsSchema = z
  .union([
    z.array(z.union([z.string(), orderDomainObject])),
    z.looseObject({
      registered: z.array(z.string()).optional(),
      imported: z.array(z.string()).optional(),
    }),
  ])
  .transform((value): OrderDomain[] => {
    if (Array.isArray(value)) {
      return value.map((entry) => (typeof entry === "string" ? { domain: entry } : entry));
    }
    return [
      ...(value.registered ?? []).map((domain) => ({ domain, source: "registered" as const })),
      ...(value.imported ?? []).map((domain) => ({ domain, source: "imported" as const })),
    ];
  });

/** `GET /orders/{id}`: the summary plus what a corrected reorder needs (design §8). */
export const orderSchema = z
  .looseObject({
    ...orderSummarySchema.shape,
    personas: z.array(personaSchema).optional(),
    /** The May 2026 name of `personas`; folded into `personas` below. */
    users: z.array(personaSchema).optional(),
    google_licenses: z.number().nullish(),
    microsoft_licenses: z.number().nullish(),
    google_inboxes_per_domain: z.number().nullish(),
    forwarding_url: z.string().nullish(),
    sequencer: sequencerSchema.nullish(),
    domains: orderDomainsSchema.optional(),
    cancellation_scheduled_at: z.string().nullish(),
    cancels_at: z.string().nullish(),
  })
  .transform(({ users, ...order }) => ({
    ...order,
    personas: order.personas ?? users ?? [],
    domains: order.domains ?? [],
  }));
export type Order = z.infer<typeof orderSchema>;

/** `POST /orders/{id}/cancel` answer. */
export const orderCancellationSchema = z.looseObject({
  id: z.string(),
  status: orderStatus,
  cancellation_scheduled_at: z.string().nullish(),
  cancels_at: z.string().nullish(),
  domains: z.array(z.looseObject({ id: z.string(), domain: z.string() })).default([]),
});
export type OrderCancellation = z.infer<typeof orderCancellationSchema>;

interface CreateOrderCommon {
  /** An existing `usr_…` id, or an email to reuse/create the customer. */
  user: string;
  sequencer: SequencerInput;
  domains: Array<string | { domain: string; forwarding_url?: string }>;
  personas: PersonaInput[];
  forwarding_url?: string;
}

/** Bundle sizing or custom sizing, never both (`order_shape_conflict`). */
export type CreateOrderBody =
  | (CreateOrderCommon & {
      bundle_id: string;
      google_licenses?: never;
      microsoft_licenses?: never;
      google_inboxes_per_domain?: never;
    })
  | (CreateOrderCommon & {
      bundle_id?: never;
      google_licenses?: number;
      microsoft_licenses?: number;
      google_inboxes_per_domain?: 2 | 3;
    });

export interface CancelOrderBody {
  /** `dom_…` ids or names; omit the body to cancel the whole order. */
  domains: string[];
}

export interface OrderFilters extends PageFilters {
  user_id?: string;
  user_email?: string;
  bundle_id?: string;
  status?: OrderStatus;
}

export interface PendingActionFilters extends PageFilters {
  order_id?: string;
  /** `usr_…` or email. */
  user?: string;
  domain_id?: string;
  status?: "open" | "resolved" | (string & {});
}
