import { z } from "zod";

/**
 * Pieces every Peeker resource shares: the open enum (design §8), personas, sequencers, the pending actions a
 * resource lists while it is `action_required`, and the paging filters of every list route.
 */

/** A string validated as a string but typed with the known values for autocompletion and exhaustiveness. */
export function openEnum<const T extends readonly string[]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {}), string>;
}

export const PENDING_REASONS = [
  "update_nameservers",
  "replace_domain",
  "profile_picture_not_accessible",
] as const;

export type PendingReason = (typeof PENDING_REASONS)[number] | (string & {});

export const provider = openEnum(["google", "microsoft"] as const);
export const pendingReason = openEnum(PENDING_REASONS);

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
export const actionFields = {
  reason: pendingReason.nullish(),
  message: z.string().nullish(),
  pending_actions: z.array(resourceActionSchema).nullish(),
};

export const sequencerSchema = z.looseObject({
  provider: z.string(),
  client_id: z.union([z.number(), z.string()]),
});
export type Sequencer = z.infer<typeof sequencerSchema>;

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

export interface PageFilters {
  /** 1–100; walks default to 100. */
  per_page?: number;
  /** Resume from a token taken from an earlier `links.next`; rejected tokens restart from the first page. */
  page_token?: string;
}
