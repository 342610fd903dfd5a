/**
 * Shapes of Peeker answers, validated once where they enter (style §7) and typed from the schemas.
 *
 * Two rules from design §8 shape every schema here:
 * - objects are loose: a field Peeker adds later survives validation and reaches whoever wants it;
 * - enums are open: an unknown status, reason or type passes through as a string, so a new value is shown
 *   as-is instead of failing the whole call.
 * Fields the reference marks as inferred are optional/nullable, so a real answer that lacks them still parses.
 */
import { z } from "zod";

/** A string validated as a string but typed with the known values for autocompletion and exhaustiveness. */
function openEnum<const T extends readonly string[]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {}), string>;
}

export const ORDER_STATUSES = [
  "in_progress",
  "completed",
  "failed",
  "action_required",
  "cancel_scheduled",
  "cancelled",
] as const;
export const SWAP_STATUSES = ["created", "in_progress", "completed", "failed", "action_required"] as const;
export const IMPORT_STATUSES = ["in_progress", "completed", "failed", "action_required"] as const;
export const PENDING_REASONS = [
  "update_nameservers",
  "replace_domain",
  "profile_picture_not_accessible",
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number] | (string & {});
export type SwapStatus = (typeof SWAP_STATUSES)[number] | (string & {});
export type ImportStatus = (typeof IMPORT_STATUSES)[number] | (string & {});
export type PendingReason = (typeof PENDING_REASONS)[number] | (string & {});

const provider = openEnum(["google", "microsoft"] as const);
const orderStatus = openEnum(ORDER_STATUSES);
const swapStatus = openEnum(SWAP_STATUSES);
const importStatus = openEnum(IMPORT_STATUSES);
const pendingReason = openEnum(PENDING_REASONS);

export const meSchema = z.looseObject({
  api_key: z.looseObject({
    environment: openEnum(["test", "live"] as const),
    permission_preset: openEnum(["full", "limited", "read"] as const),
  }),
  partner: z.looseObject({ id: z.string(), name: z.string() }),
});
export type Me = z.infer<typeof meSchema>;

export const personaSchema = z.looseObject({
  first_name: z.string(),
  last_name: z.string(),
  profile_picture_url: z.string().nullable(),
});
export type Persona = z.infer<typeof personaSchema>;

/** A pending action listed on a domain, import or swap (design §8). */
export const resourceActionSchema = z.looseObject({
  id: z.string(),
  reason: pendingReason,
  message: z.string().nullish(),
});
export type ResourceAction = z.infer<typeof resourceActionSchema>;

/** Fields a domain, import or swap carries while it is `action_required` (design §8). */
const actionFields = {
  reason: pendingReason.nullish(),
  message: z.string().nullish(),
  pending_actions: z.array(resourceActionSchema).nullish(),
};

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

export const sequencerSchema = z.looseObject({
  provider: z.string(),
  client_id: z.union([z.number(), z.string()]),
});
export type Sequencer = z.infer<typeof sequencerSchema>;

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

export const domainSchema = z.looseObject({
  id: z.string(),
  domain: z.string(),
  category: openEnum(["inventory", "connected"] as const).optional(),
  status: z.string(),
  provider: provider.nullish(),
  user_id: z.string().nullish(),
  order_id: z.string().nullish(),
  usable_for: z.array(provider).optional(),
  forwarding_url: z.string().nullish(),
  created_at: z.string().optional(),
  ...actionFields,
});
export type Domain = z.infer<typeof domainSchema>;

export const nameserverGroupSchema = z.looseObject({
  nameservers: z.array(z.string()),
  domains: z.array(z.string()),
});
export type NameserverGroup = z.infer<typeof nameserverGroupSchema>;

export const domainImportSchema = z.looseObject({
  id: z.string(),
  status: importStatus,
  nameserver_groups: z.array(nameserverGroupSchema).default([]),
  created_at: z.string().optional(),
  ...actionFields,
});
export type DomainImport = z.infer<typeof domainImportSchema>;

export const availabilityRowSchema = z.looseObject({
  domain: z.string(),
  available: z.boolean(),
  premium: z.boolean().optional(),
  price_cents: z.number().optional(),
  renewal_price_cents: z.number().optional(),
  currency: z.string().optional(),
  usable_for: z.array(provider).optional(),
  reason: openEnum(["taken", "premium", "invalid", "errored", "stale"] as const).optional(),
});
export type AvailabilityRow = z.infer<typeof availabilityRowSchema>;

export const availabilitySchema = z.looseObject({ domains: z.array(availabilityRowSchema) });
export type Availability = z.infer<typeof availabilitySchema>;

export const swapSchema = z.looseObject({
  id: z.string(),
  type: openEnum(["standard", "premium", "user_names"] as const),
  domain_id: z.string(),
  replacement_domain: z.string().nullable(),
  status: swapStatus,
  created_at: z.string(),
  ...actionFields,
});
export type Swap = z.infer<typeof swapSchema>;

export const userSchema = z.looseObject({
  id: z.string(),
  email: z.string(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  status: openEnum(["active", "deleted"] as const),
  sequencer: sequencerSchema.nullish(),
  created_at: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

export const errorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string().optional(),
    field: z.string().nullish(),
    details: z.record(z.string(), z.unknown()).nullish(),
  }),
});

export const linksSchema = z.looseObject({ first: z.string().nullish(), next: z.string().nullish() });
export const metaSchema = z.looseObject({
  path: z.string().optional(),
  per_page: z.number().optional(),
  returned: z.number().optional(),
});

export function singleEnvelope<S extends z.ZodType>(data: S) {
  return z.looseObject({ data });
}

export function listEnvelope<S extends z.ZodType>(row: S) {
  return z.looseObject({ data: z.array(row), links: linksSchema, meta: metaSchema.optional() });
}

// ---- Request bodies and filters (what the bot sends; not validated, the compiler checks them). ----

export interface PersonaInput {
  first_name: string;
  last_name: string;
  /** The key is required by Peeker even when empty. */
  profile_picture_url: string;
}

export interface SequencerInput {
  provider: string;
  client_id: number;
  login_email: string;
  login_password: string;
}

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

export interface CreateSwapBody {
  type: "standard" | "premium";
  domain_id: string;
  replacement_domain: string;
}

interface PageFilters {
  /** 1–100; walks default to 100. */
  per_page?: number;
  /** Resume from a token taken from an earlier `links.next`; rejected tokens restart from the first page. */
  page_token?: string;
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

export interface DomainFilters extends PageFilters {
  category?: "inventory" | "connected" | (string & {});
  user_id?: string;
  user_email?: string;
  usable_for?: "google" | "microsoft" | (string & {});
  status?: string;
}

export interface SwapFilters extends PageFilters {
  user_id?: string;
  order_id?: string;
  domain_id?: string;
  status?: SwapStatus;
}
