/**
 * Card keys (design §3 "Card metadata", §5 "Card keys"): one card per order for bad pictures (one corrected
 * order fixes every persona), per import for nameservers (per domain when no import is known), per domain for
 * replacements, and per Peeker action for anything else.
 */
export interface CardKeyInput {
  reason: string;
  orderId?: string | null;
  importId?: string | null;
  domainId?: string | null;
  actionId?: string | null;
  /** Used when no better id exists (a resource without `pending_actions[]`). */
  resourceId: string;
}

export function cardKeyFor(input: CardKeyInput): string {
  switch (input.reason) {
    case "profile_picture_not_accessible":
      if (input.orderId) return `${input.reason}:${input.orderId}`;
      break;
    case "update_nameservers":
      if (input.importId) return `${input.reason}:${input.importId}`;
      if (input.domainId) return `${input.reason}:${input.domainId}`;
      break;
    case "replace_domain":
      if (input.domainId) return `${input.reason}:${input.domainId}`;
      break;
  }
  // A pending row without order_id gets its domain's key (design §3): no extra call per row.
  if (!input.actionId && input.domainId) return `${input.reason}:${input.domainId}`;
  return `${input.reason}:${input.actionId ?? input.resourceId}`;
}
