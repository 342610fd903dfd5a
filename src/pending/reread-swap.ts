import type { Swap } from "../peeker/types.js";
import { cardKeyFor } from "./card-keys.js";
import { isNotFound, type PeekerReader } from "./reread.js";
import { actionsOf, requestIdsOf } from "./resource-actions.js";
import type { Snapshot } from "./snapshot.js";

/** Re-reading one swap (design §3): what it says is open now, by its status. Nothing here writes. */

export async function rereadSwap(peeker: PeekerReader, swapId: string): Promise<Snapshot[]> {
  let result: Awaited<ReturnType<PeekerReader["getSwap"]>>;
  try {
    result = await peeker.getSwap(swapId);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return swapSnapshots(result.data, result.requestId);
}

/**
 * What one swap says is open now: shared by the swap re-read and the reconciliation walk of
 * `GET /swaps?status=action_required`, whose rows are the same resource.
 */
export function swapSnapshots(swap: Swap, requestId: string | undefined): Snapshot[] {
  const requestIds = requestIdsOf(requestId);
  const base = {
    reason: "replace_domain",
    resourceKind: "swap" as const,
    resourceId: swap.id,
    swapId: swap.id,
    domainId: swap.domain_id,
    details: { resourceStatus: swap.status },
    openedAt: new Date(swap.created_at),
  };
  switch (swap.status) {
    case "completed":
      // Every action tied to this swap (the domain's card too) is done.
      return [
        { scope: { column: "swap_id", id: swap.id }, open: [], resolution: swapDone(swap), requestIds },
      ];
    case "action_required":
      return [
        {
          scope: { column: "swap_id", id: swap.id, kinds: ["swap"] },
          open: actionsOf(swap, "swap").map((action) => ({
            ...base,
            ...action,
            cardKey: cardKeyFor({ reason: action.reason, domainId: swap.domain_id, resourceId: swap.id }),
          })),
          resolution: `Swap is ${swap.status}`,
          // A card waiting on this swap (resolving) needs the team again: Peeker wants input before it goes on.
          reopenWhy: `Swap ${swap.id} needs action`,
          requestIds,
        },
      ];
    case "failed":
      return [
        {
          open: [
            {
              ...base,
              cardKey: cardKeyFor({
                reason: "replace_domain",
                domainId: swap.domain_id,
                resourceId: swap.id,
              }),
              peekerActionIds: [],
              message: swap.message ?? `Swap ${swap.id} failed`,
            },
          ],
          resolution: "",
          reopenWhy: `Swap ${swap.id} failed`,
          requestIds,
        },
      ];
    default:
      // created / in_progress: a card is open exactly while Peeker lists its action, so an open card of this swap
      // whose action was resolved outside Slack resolves. A card `resolving` on this swap is ours, waiting for
      // the swap to complete or fail (src/pending/resolve-swap.ts): it is spared.
      return [
        {
          scope: { column: "swap_id", id: swap.id, kinds: ["swap"] },
          open: actionsOf(swap, "swap").map((action) => ({
            ...base,
            ...action,
            cardKey: cardKeyFor({ reason: action.reason, domainId: swap.domain_id, resourceId: swap.id }),
          })),
          resolution: `Swap is ${swap.status}`,
          spareResolving: true,
          requestIds,
        },
      ];
  }
}

function swapDone(swap: Swap): string {
  return swap.replacement_domain
    ? `Swapped to ${swap.replacement_domain} (${swap.id})`
    : `Swap ${swap.id} completed`;
}
