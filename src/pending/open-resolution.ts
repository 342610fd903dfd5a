import type { PendingActionRow } from "../db/schema.js";
import type { Refusal } from "./outcomes.js";
import { refreshActionFromPeeker } from "./refresh-from-peeker.js";
import type { PeekerReader } from "./reread.js";
import { type Actor, flowReader, goneUpstream, type ResolveDeps } from "./resolution.js";
import { claimForResolution } from "./resolution-claim.js";

/**
 * How every resolving button starts: the claim (claiming an unclaimed card), then `beforePeeker` (the listener
 * opens its loading view there), then a refresh from Peeker; an action gone upstream is refused. Its own file
 * because it composes steps 1 and 3 of the flow (src/pending/resolution.ts) for the three resolving buttons.
 */
export async function openResolution(
  deps: ResolveDeps,
  actor: Actor,
  reason: string,
  hooks: { beforePeeker: () => Promise<void> },
): Promise<{ row: PendingActionRow; reader: PeekerReader } | { refusal: Refusal }> {
  const claimed = await claimForResolution(deps, actor, { claim: true, reason });
  if ("refusal" in claimed) return claimed;
  await hooks.beforePeeker();
  const reader = flowReader(deps.peeker);
  const row = await refreshActionFromPeeker(deps, reader, claimed.row, `slack:${actor.userId}:open`);
  const gone = goneUpstream(row);
  return gone ? { refusal: gone } : { row, reader };
}
