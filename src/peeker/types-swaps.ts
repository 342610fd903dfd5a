import { z } from "zod";
import { actionFields, openEnum, type PageFilters } from "./types-shared.js";

/** Swaps: a domain replaced by another, and what the bot sends to start one. */

export const SWAP_STATUSES = ["created", "in_progress", "completed", "failed", "action_required"] as const;

export type SwapStatus = (typeof SWAP_STATUSES)[number] | (string & {});

const swapStatus = openEnum(SWAP_STATUSES);

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

export interface CreateSwapBody {
  type: "standard" | "premium";
  domain_id: string;
  replacement_domain: string;
}

export interface SwapFilters extends PageFilters {
  user_id?: string;
  order_id?: string;
  domain_id?: string;
  status?: SwapStatus;
}
