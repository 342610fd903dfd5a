import type { PendingActionRow } from "../db/schema.js";
import { slackDetailsOf } from "../pending/slack-details.js";
import type { ActionDetails } from "../pending/snapshot.js";
import type { CardModel } from "./views/card-model.js";

/** What a stored pending action shows on its card. Pure: the same row always renders the same card. */
export function cardModelOf(row: PendingActionRow): CardModel {
  const details = row.details as ActionDetails & { notes?: string[]; newOrderId?: string };
  return {
    cardKey: row.card_key,
    pendingActionId: row.id,
    reason: row.reason,
    state: row.state,
    sandbox: row.sandbox,
    customer: {
      ...(row.customer_email ? { email: row.customer_email } : {}),
      ...(row.user_id ? { userId: row.user_id } : {}),
    },
    ...optional("orderId", row.order_id),
    ...optional("domainId", row.domain_id),
    ...optional("domain", row.domain),
    ...optional("importId", row.import_id),
    ...optional("swapId", row.swap_id),
    peekerActionIds: row.peeker_action_ids,
    ...optional("message", row.message),
    ...(details.personas && details.personas.length > 0
      ? {
          personas: details.personas.map((p) => ({
            firstName: p.first_name,
            lastName: p.last_name,
            pictureUrl: p.profile_picture_url,
          })),
        }
      : {}),
    ...(details.domains && details.domains.length > 0 && row.reason !== "profile_picture_not_accessible"
      ? { domains: details.domains }
      : {}),
    openedAt: row.opened_at,
    ...optional("claimedBy", row.claimed_by),
    ...(row.state === "resolving" && row.resolving_by
      ? { resolving: { by: row.resolving_by, note: row.resolving_note ?? "Being resolved" } }
      : {}),
    notes: details.notes ?? [],
    ...optional("newOrderId", details.newOrderId),
    ...(row.state === "resolving" && slackDetailsOf(row.details).queuedReorder?.needsLogin
      ? { asksSequencerLogin: true }
      : {}),
    ...(row.state === "resolved" && row.resolved_at
      ? {
          resolved: {
            by: row.resolved_by ?? "system",
            how: row.resolution ?? "Resolved",
            at: row.resolved_at,
          },
        }
      : {}),
  };
}

function optional<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]: string }) : {};
}
