import { NO_INTENT } from "../db/intents.repository.js";
import { lockPendingAction, updatePendingAction } from "../db/pending-actions.repository.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { Swap } from "../peeker/types.js";
import { assertWaitingOn } from "./intents.js";
import { publishChange, type ResolveDeps, type ResolverPeeker } from "./resolution.js";
import { withNote } from "./slack-details.js";
import { normalizeDomainName } from "./swap-checks.js";

/**
 * What a swap's Peeker write did, looked up and recorded: used by the submit (src/pending/request-swap.ts) right
 * after the call, and by the intent sweeper (src/pending/intent-sweeper.ts) after a crash or a failed commit.
 * The lookup is a read only; recording clears the card's intent in the same update.
 */

/** The swap a lost `POST /swaps` may have created: same domain, same replacement, not failed. */
export async function lookUpSwap(
  peeker: Pick<ResolverPeeker, "listSwaps">,
  domainId: string,
  replacement: string,
  delaysMs: readonly number[] = [0],
): Promise<{ swap: Swap; requestId: string | undefined } | undefined> {
  for (const delay of delaysMs) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    for await (const page of peeker.listSwaps({ domain_id: domainId }).pages()) {
      const swap = page.data.find(
        (s) =>
          s.replacement_domain !== null &&
          normalizeDomainName(s.replacement_domain) === replacement &&
          s.status !== "failed",
      );
      if (swap) return { swap, requestId: page.requestId };
    }
  }
  return undefined;
}

/**
 * The swap exists in Peeker: the card follows it (`resolving`, "Swap swp_… in progress") and its intent is done.
 * Used by the submit and by the sweeper (which finds the swap after a crash or a failed commit).
 */
export async function recordSwapCreated(
  deps: Pick<ResolveDeps, "db" | "publisher" | "wakeSender">,
  id: string,
  actor: string,
  input: { swap: Swap; replacement: string; type: string; foundByLookup: boolean; afterStop?: boolean },
): Promise<void> {
  const { swap, replacement } = input;
  await deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, id);
    if (!current) return;
    assertWaitingOn(current, "swap_create");
    // A card note is mrkdwn: the ids and the typed domain are escaped, only our mention stays live.
    const requested = `Swap ${escapeMrkdwn(swap.id)} to ${escapeMrkdwn(replacement)} requested`;
    const note = input.afterStop
      ? `${requested} by <@${actor}> (found in Peeker after the submit stopped)`
      : `${requested} by <@${actor}>`;
    const ours = current.resolving_by === actor;
    const updated = await updatePendingAction(trx, id, {
      swap_id: swap.id,
      details: withNote(current.details, note),
      ...NO_INTENT,
      ...(ours ? { resolving_note: `Swap ${swap.id} in progress` } : {}),
    });
    await publishChange(
      trx,
      deps,
      updated,
      {
        kind: "resolving",
        by: actor,
        note: input.afterStop ? `${requested} (found after the submit stopped)` : requested,
      },
      "action.swap_requested",
      actor,
      { swap_id: swap.id, replacement, type: input.type, found_by_lookup: input.foundByLookup },
    );
  });
  deps.wakeSender();
}
