import { ACTION_IDS, type ActionId } from "../action-ids.js";

/** Reasons the bot has a resolving flow for. Others are still tracked, shown as-is, and get only Refresh. */
export const KNOWN_REASONS = [
  "update_nameservers",
  "replace_domain",
  "profile_picture_not_accessible",
] as const;
export type KnownReason = (typeof KNOWN_REASONS)[number];

const LABELS: Record<KnownReason, string> = {
  update_nameservers: "Nameservers not updated",
  replace_domain: "Domain must be replaced",
  profile_picture_not_accessible: "Profile picture not accessible",
};

export interface PrimaryAction {
  actionId: ActionId;
  text: string;
}

const PRIMARY: Record<KnownReason, PrimaryAction> = {
  update_nameservers: { actionId: ACTION_IDS.nameserversOpen, text: "Send nameservers…" },
  replace_domain: { actionId: ACTION_IDS.swapOpen, text: "Swap domain…" },
  profile_picture_not_accessible: { actionId: ACTION_IDS.reorderOpen, text: "Fix picture & reorder…" },
};

export function isKnownReason(reason: string): reason is KnownReason {
  return (KNOWN_REASONS as readonly string[]).includes(reason);
}

/** Plain words for a reason; an unknown reason is returned unchanged (the caller escapes it). */
export function reasonLabel(reason: string): string {
  return isKnownReason(reason) ? LABELS[reason] : reason;
}

export function primaryActionFor(reason: string): PrimaryAction | undefined {
  return isKnownReason(reason) ? PRIMARY[reason] : undefined;
}
