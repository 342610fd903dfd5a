import { z } from "zod";
import { actionFields, openEnum, type PageFilters, provider } from "./types-shared.js";

/** Domains, their imports (with the nameservers to set) and availability checks. */

export const IMPORT_STATUSES = ["in_progress", "completed", "failed", "action_required"] as const;

export type ImportStatus = (typeof IMPORT_STATUSES)[number] | (string & {});

const importStatus = openEnum(IMPORT_STATUSES);

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

export interface DomainFilters extends PageFilters {
  category?: "inventory" | "connected" | (string & {});
  user_id?: string;
  user_email?: string;
  usable_for?: "google" | "microsoft" | (string & {});
  status?: string;
}
