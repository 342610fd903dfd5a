import type { Domain, DomainImport, ResourceAction, Swap } from "../peeker/types.js";
import type { ObservedAction, ResourceKind } from "./snapshot.js";

/** What domains, imports and swaps say is open on them, shared by their re-reads (src/pending/reread*.ts). */

/**
 * The open actions a domain, import or swap carries (design §8): `pending_actions[]` when listed, otherwise
 * one action from the resource's own `reason` while it is `action_required`.
 */
export function actionsOf(
  resource: Domain | DomainImport | Swap,
  kind: ResourceKind,
): Array<
  Pick<ObservedAction, "reason" | "resourceKind" | "resourceId" | "peekerActionIds" | "message" | "openedAt">
> {
  const listed: ResourceAction[] = resource.pending_actions ?? [];
  const openedAt = new Date(resource.created_at ?? 0);
  if (listed.length > 0) {
    const byReason = new Map<string, ResourceAction[]>();
    for (const action of listed)
      byReason.set(action.reason, [...(byReason.get(action.reason) ?? []), action]);
    return [...byReason.entries()].flatMap(([reason, actions]) =>
      // Unknown reasons get one card per Peeker action; known ones group per resource.
      isGroupedReason(reason)
        ? [
            {
              reason,
              resourceKind: kind,
              resourceId: resource.id,
              peekerActionIds: actions.map((a) => a.id).sort(),
              message: actions[0]?.message ?? resource.message ?? null,
              openedAt,
            },
          ]
        : actions.map((a) => ({
            reason,
            resourceKind: kind,
            resourceId: resource.id,
            peekerActionIds: [a.id],
            message: a.message ?? null,
            openedAt,
          })),
    );
  }
  if (resource.status === "action_required" && resource.reason) {
    return [
      {
        reason: resource.reason,
        resourceKind: kind,
        resourceId: resource.id,
        peekerActionIds: [],
        message: resource.message ?? null,
        openedAt,
      },
    ];
  }
  return [];
}

function isGroupedReason(reason: string): boolean {
  return (
    reason === "update_nameservers" ||
    reason === "replace_domain" ||
    reason === "profile_picture_not_accessible"
  );
}

/** Request ids of a re-read's answers, for the audit trail (a stubbed answer may have none). */
export function requestIdsOf(...ids: Array<string | undefined>): string[] {
  return ids.filter(isString);
}

function isString(value: string | undefined): value is string {
  return typeof value === "string";
}
