import type { PendingActionRow } from "../db/schema.js";
import { openResolution } from "./open-resolution.js";
import { invalid, type ResolveOutcome, refused } from "./outcomes.js";
import { refreshActionFromPeeker } from "./refresh-from-peeker.js";
import { requestSwap, type SwapRequested } from "./request-swap.js";
import { type Actor, flowReader, goneUpstream, INTERACTIVE, type ResolveDeps } from "./resolution.js";
import { audited } from "./resolution-audit.js";
import { claimForResolution } from "./resolution-claim.js";
import { lock, releaseWith } from "./resolution-lock.js";
import {
  checkSwapForm,
  normalizeDomainName,
  preCheckProblem,
  replacementMismatch,
  type SwapType,
} from "./swap-checks.js";

/**
 * *Swap domain…* (`replace_domain`, design §1 and §3 "Swap pre-check"): replace the blocked domain inside its
 * order with `POST /swaps`.
 *
 * The pre-check `POST /domains/availability` blocks only what can never work: an invalid name, a premium domain,
 * or one whose `usable_for` excludes the retired domain's provider. `taken` goes on, because the replacement may
 * be a domain the customer already imported; Peeker's own answer then becomes the field error.
 *
 * `POST /swaps` is sent at most once per lock and never repeated blindly: when its outcome is unknown (timeout,
 * 5xx, connection lost) the bot looks the swap up with `GET /swaps?domain_id=…` instead.
 */

export const SWAP_REASON = "replace_domain";

export interface SwapForm {
  row: PendingActionRow;
  domain: { id: string; name: string; provider: string | null };
  /** Premium swaps keep the old domain warm; Peeker offers them for Microsoft domains only. */
  premiumAllowed: boolean;
}

export interface SwapSubmission {
  replacement: string;
  type: string;
}

export function prepareSwap(
  deps: ResolveDeps,
  actor: Actor,
  hooks: { beforePeeker: () => Promise<void> },
): Promise<ResolveOutcome<SwapForm>> {
  return audited(deps, actor, "click.swap_domain", {}, async () => {
    const opened = await openResolution(deps, actor, SWAP_REASON, hooks);
    if ("refusal" in opened) return refused(opened.refusal);
    const { row, reader } = opened;
    if (!row.domain_id)
      return {
        kind: "failed",
        error: new Error("This card names no domain to retire"),
        doing: "reading the domain",
      };
    const domain = (await reader.getDomain(row.domain_id)).data;
    return {
      kind: "done",
      result: {
        row,
        domain: { id: domain.id, name: domain.domain, provider: domain.provider ?? null },
        premiumAllowed: domain.provider === "microsoft",
      },
    };
  });
}

/**
 * Steps 1 and 2 (src/pending/resolution.ts): the form is checked before anything is claimed, then the card is
 * claimed and locked. From there the card is ours and `resolving`: every exit either keeps it (swap created) or
 * releases it.
 */
export function submitSwap(
  deps: ResolveDeps,
  actor: Actor,
  input: SwapSubmission,
): Promise<ResolveOutcome<SwapRequested>> {
  const replacement = normalizeDomainName(input.replacement);
  return audited(deps, actor, "submit.swap_domain", { replacement, type: input.type }, async () => {
    const form = checkSwapForm(replacement, input.type);
    if ("problem" in form) return invalid(form.problem);
    const claimed = await claimForResolution(deps, actor, { claim: true, reason: SWAP_REASON });
    if ("refusal" in claimed) return refused(claimed.refusal);
    const locked = await lock(deps, actor, claimed.row, `Swap to ${replacement} being requested`);
    if ("refusal" in locked) return refused(locked.refusal);
    return swapWhileLocked(deps, actor, locked.row, { replacement, type: form.type });
  });
}

/**
 * Step 3 with the lock held: refresh the card from Peeker and read the domain it retires, check the replacement
 * against it and against Peeker's availability, then hand over to the write (src/pending/request-swap.ts).
 */
async function swapWhileLocked(
  deps: ResolveDeps,
  actor: Actor,
  locked: PendingActionRow,
  wanted: { replacement: string; type: SwapType },
): Promise<ResolveOutcome<SwapRequested>> {
  const { replacement, type } = wanted;
  const reader = flowReader(deps.peeker);
  let row: PendingActionRow;
  let provider: string;
  let domainName: string;
  try {
    row = await refreshActionFromPeeker(deps, reader, locked, `slack:${actor.userId}:submit`);
    const gone = goneUpstream(row);
    if (gone) return refused(gone);
    if (!row.domain_id) throw new Error("This card names no domain to retire");
    const domain = (await reader.getDomain(row.domain_id)).data;
    provider = domain.provider ?? "google";
    domainName = domain.domain;
  } catch (error) {
    return releaseWith(
      deps,
      actor,
      { kind: "failed", error, doing: "checking the domain with Peeker" },
      "re-check failed",
    );
  }
  const domainId = row.domain_id;
  const mismatch = replacementMismatch(replacement, type, { name: domainName, provider });
  if (mismatch) return releaseWith(deps, actor, invalid(mismatch.problem), mismatch.why);
  const blocked = await preCheckReplacement(deps, actor, replacement, provider);
  if (blocked) return blocked;
  return requestSwap(deps, actor, { id: row.id, domainId, replacement, type });
}

/**
 * `POST /domains/availability` (a read): what can never work is a field error before any write is recorded.
 * Undefined when the swap may go on; otherwise the card is released and the outcome says why.
 */
async function preCheckReplacement(
  deps: ResolveDeps,
  actor: Actor,
  replacement: string,
  provider: string,
): Promise<ResolveOutcome<SwapRequested> | undefined> {
  try {
    const availability = await deps.peeker.checkAvailability([replacement], INTERACTIVE);
    const answer = availability.data.domains.find((d) => normalizeDomainName(d.domain) === replacement);
    const blocked = answer ? preCheckProblem(answer, replacement, provider) : undefined;
    if (blocked) return releaseWith(deps, actor, invalid(blocked), "pre-check");
  } catch (error) {
    return releaseWith(
      deps,
      actor,
      { kind: "failed", error, doing: "checking the replacement domain" },
      "pre-check failed",
    );
  }
  return undefined;
}
