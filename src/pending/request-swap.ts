import { isPeekerError } from "../peeker/errors.js";
import type { Swap } from "../peeker/types.js";
import { recordIntent } from "./intents.js";
import { invalid, outcomeUnknown, type ResolveOutcome } from "./outcomes.js";
import { type Actor, INTERACTIVE, type ResolveDeps } from "./resolution.js";
import { releaseWith } from "./resolution-lock.js";
import { type SwapType, swapErrorProblem } from "./swap-checks.js";
import { lookUpSwap, recordSwapCreated } from "./swap-outcomes.js";

/**
 * Steps 4 and 5 of *Swap domain…* (src/pending/resolve-swap.ts), with the lock held: the one Peeker write,
 * `POST /swaps`, recorded as an intent first and sent at most once per lock, then the card follows the swap
 * (src/pending/swap-outcomes.ts). Its own file because this is where crash safety lives: every exit keeps the
 * lock (Peeker took the write, or may have) or releases it (Peeker surely did not).
 */

export interface SwapRequested {
  swapId: string;
  replacement: string;
  /** True when the POST's answer was lost and the swap was found by looking it up. */
  foundByLookup: boolean;
  /** Peeker-Request-Id of the answer that showed the swap (the POST, or the lookup). */
  requestId: string | undefined;
}

export interface SwapRequest {
  /** The pending action whose card is locked. */
  id: string;
  domainId: string;
  replacement: string;
  type: SwapType;
}

/** How long to keep looking for a swap whose creation answer was lost, ms between looks. */
const LOOKUP_DELAYS_MS = [0, 750, 1500];

export async function requestSwap(
  deps: ResolveDeps,
  actor: Actor,
  request: SwapRequest,
): Promise<ResolveOutcome<SwapRequested>> {
  const { replacement, type } = request;
  // The intent first: a crash or a lost answer from here on is looked up by the sweeper, never forgotten.
  try {
    await recordIntent(deps.db, {
      id: request.id,
      userId: actor.userId,
      kind: "swap_create",
      payload: { domain_id: request.domainId, replacement, type },
      now: deps.clock.now(),
    });
  } catch (error) {
    return releaseWith(
      deps,
      actor,
      { kind: "failed", error, doing: "recording the swap request" },
      "intent not recorded",
    );
  }
  const created = await createSwapOnce(deps, actor, request);
  if ("outcome" in created) return created.outcome;
  const { swap, requestId, foundByLookup } = created;
  try {
    await recordSwapCreated(deps, request.id, actor.userId, { swap, replacement, type, foundByLookup });
  } catch (error) {
    // Peeker did create it: never say "nothing was changed". The intent stays; the sweeper records it.
    return {
      kind: "failed",
      error,
      doing: "recording the swap",
      changed: `Peeker created swap ${swap.id} to ${replacement}`,
    };
  }
  return { kind: "done", result: { swapId: swap.id, replacement, foundByLookup, requestId } };
}

/**
 * `POST /swaps`, never repeated blindly: a refusal releases the card (as a field error when input can fix it);
 * an unknown outcome (timeout, 5xx, connection lost) is looked up with `GET /swaps?domain_id=…` instead.
 */
async function createSwapOnce(
  deps: ResolveDeps,
  actor: Actor,
  request: SwapRequest,
): Promise<
  | { swap: Swap; requestId: string | undefined; foundByLookup: boolean }
  | { outcome: ResolveOutcome<SwapRequested> }
> {
  const { domainId, replacement, type } = request;
  try {
    const created = await deps.peeker.createSwap(
      { type, domain_id: domainId, replacement_domain: replacement },
      INTERACTIVE,
    );
    return { swap: created.data, requestId: created.requestId, foundByLookup: false };
  } catch (error) {
    if (isPeekerError(error) && error.isClientError) {
      const problem = swapErrorProblem(error, type);
      const outcome: ResolveOutcome<SwapRequested> = problem
        ? invalid(problem)
        : { kind: "failed", error, doing: "creating the swap" };
      return { outcome: await releaseWith(deps, actor, outcome, error.code) };
    }
    // Unknown outcome: Peeker may have created it. Look, never send it again.
    const found = await lookUpSwap(deps.peeker, domainId, replacement, LOOKUP_DELAYS_MS).catch(
      () => undefined,
    );
    // Not found (yet): Peeker may still be carrying it out. The card stays locked with its intent; once this
    // flow has ended the sweeper looks again and records the swap or opens the card with a thread line.
    if (!found) {
      return {
        outcome: outcomeUnknown(
          error,
          "creating the swap",
          `the swap to ${replacement} may have been created`,
        ),
      };
    }
    return { swap: found.swap, requestId: found.requestId, foundByLookup: true };
  }
}
