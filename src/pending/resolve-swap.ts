import { NO_INTENT } from "../db/intents.repository.js";
import { lockPendingAction, updatePendingAction } from "../db/pending-actions.repository.js";
import type { PendingActionRow } from "../db/schema.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import { isPeekerError, type PeekerError } from "../peeker/errors.js";
import type { Swap } from "../peeker/types.js";
import { assertWaitingOn, recordIntent } from "./intents.js";
import { type FieldProblem, invalid, outcomeUnknown, type ResolveOutcome, refused } from "./outcomes.js";
import {
  type Actor,
  audited,
  flowReader,
  gate,
  goneUpstream,
  INTERACTIVE,
  lock,
  openResolution,
  publishChange,
  type ResolveDeps,
  type ResolverPeeker,
  recheck,
  release,
} from "./resolution.js";
import { withNote } from "./slack-details.js";

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

export interface SwapRequested {
  swapId: string;
  replacement: string;
  /** True when the POST's answer was lost and the swap was found by looking it up. */
  foundByLookup: boolean;
  /** Peeker-Request-Id of the answer that showed the swap (the POST, or the lookup). */
  requestId: string | undefined;
}

/** How long to keep looking for a swap whose creation answer was lost, ms between looks. */
const LOOKUP_DELAYS_MS = [0, 750, 1500];

const ROOT_DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function normalizeDomainName(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, "");
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

export function submitSwap(
  deps: ResolveDeps,
  actor: Actor,
  input: SwapSubmission,
): Promise<ResolveOutcome<SwapRequested>> {
  const replacement = normalizeDomainName(input.replacement);
  return audited(deps, actor, "submit.swap_domain", { replacement, type: input.type }, async () => {
    if (replacement === "") return invalid({ field: "replacement", problem: { kind: "required" } });
    if (!ROOT_DOMAIN.test(replacement)) {
      return invalid({ field: "replacement", problem: { kind: "not_a_domain", value: replacement } });
    }
    if (input.type !== "standard" && input.type !== "premium") {
      return invalid({ field: "swapType", problem: { kind: "required" } });
    }
    const type = input.type;
    const gated = await gate(deps, actor, { claim: true, reason: SWAP_REASON });
    if ("refusal" in gated) return refused(gated.refusal);
    const locked = await lock(deps, actor, gated.row, `Swap to ${replacement} being requested`);
    if ("refusal" in locked) return refused(locked.refusal);

    // From here the card is ours and `resolving`: every exit either keeps it (swap created) or releases it.
    const give = async <T>(outcome: ResolveOutcome<T>, why: string): Promise<ResolveOutcome<T>> => {
      await release(deps, actor, why);
      return outcome;
    };
    const reader = flowReader(deps.peeker);
    let row: PendingActionRow;
    let provider: string;
    let domainName: string;
    try {
      row = await recheck(deps, reader, locked.row, `slack:${actor.userId}:submit`);
      const gone = goneUpstream(row);
      if (gone) return refused(gone);
      if (!row.domain_id) throw new Error("This card names no domain to retire");
      const domain = (await reader.getDomain(row.domain_id)).data;
      provider = domain.provider ?? "google";
      domainName = domain.domain;
    } catch (error) {
      return give({ kind: "failed", error, doing: "checking the domain with Peeker" }, "re-check failed");
    }
    const domainId = row.domain_id;
    if (replacement === domainName) {
      return give(
        invalid({ field: "replacement", problem: { kind: "same_domain", domain: replacement } }),
        "same",
      );
    }
    if (type === "premium" && provider !== "microsoft") {
      return give(
        invalid({ field: "swapType", problem: { kind: "premium_needs_microsoft", provider } }),
        "premium",
      );
    }

    try {
      const availability = await deps.peeker.checkAvailability([replacement], INTERACTIVE);
      const answer = availability.data.domains.find((d) => normalizeDomainName(d.domain) === replacement);
      const blocked = answer ? preCheckProblem(answer, replacement, provider) : undefined;
      if (blocked) return give(invalid(blocked), "pre-check");
    } catch (error) {
      return give({ kind: "failed", error, doing: "checking the replacement domain" }, "pre-check failed");
    }

    // The intent first: a crash or a lost answer from here on is looked up by the sweeper, never forgotten.
    try {
      await recordIntent(deps.db, {
        id: row.id,
        userId: actor.userId,
        kind: "swap_create",
        payload: { domain_id: domainId, replacement, type },
        now: deps.clock.now(),
      });
    } catch (error) {
      return give({ kind: "failed", error, doing: "recording the swap request" }, "intent not recorded");
    }
    let swap: Swap;
    let requestId: string | undefined;
    let foundByLookup = false;
    try {
      const created = await deps.peeker.createSwap(
        { type, domain_id: domainId, replacement_domain: replacement },
        INTERACTIVE,
      );
      swap = created.data;
      requestId = created.requestId;
    } catch (error) {
      if (isPeekerError(error) && error.isClientError) {
        const problem = swapErrorProblem(error, type);
        return give(
          problem ? invalid(problem) : { kind: "failed", error, doing: "creating the swap" },
          error.code,
        );
      }
      // Unknown outcome: Peeker may have created it. Look, never send it again.
      const found = await lookUpSwap(deps.peeker, domainId, replacement, LOOKUP_DELAYS_MS).catch(
        () => undefined,
      );
      // Not found (yet): Peeker may still be carrying it out. The card stays locked with its intent; once this
      // flow has ended the sweeper looks again and records the swap or opens the card with a thread line.
      if (!found)
        return outcomeUnknown(error, "creating the swap", `the swap to ${replacement} may have been created`);
      swap = found.swap;
      requestId = found.requestId;
      foundByLookup = true;
    }

    try {
      await recordSwapCreated(deps, row.id, actor.userId, { swap, replacement, type, foundByLookup });
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
  });
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

/** What the availability pre-check blocks (design §3); `taken`, `errored` and `stale` go on to Peeker. */
function preCheckProblem(
  answer: {
    available: boolean;
    premium?: boolean | undefined;
    reason?: string | undefined;
    usable_for?: string[] | undefined;
  },
  domain: string,
  provider: string,
): FieldProblem | undefined {
  if (answer.reason === "invalid") {
    return { field: "replacement", problem: { kind: "unavailable", domain, reason: "invalid" } };
  }
  if (answer.premium === true || answer.reason === "premium") {
    return { field: "replacement", problem: { kind: "unavailable", domain, reason: "premium" } };
  }
  if (answer.usable_for && !answer.usable_for.includes(provider)) {
    return {
      field: "replacement",
      problem: { kind: "not_usable", domain, provider, usableFor: answer.usable_for },
    };
  }
  return undefined;
}

/** Peeker's refusals of `POST /swaps` as field errors; undefined for ones no input can fix. */
export function swapErrorProblem(error: PeekerError, type: string): FieldProblem | undefined {
  const problem = { kind: "peeker" as const, error };
  switch (error.code) {
    case "domain_not_imported":
    case "domain_not_usable_for_provider":
    case "domain_already_in_active_order":
      return { field: "replacement", problem };
    case "premium_domain_not_supported":
      // Peeker names `type` when the retired domain is not Microsoft, the replacement when it is a premium name.
      return {
        field:
          error.field === "type" || (error.field === undefined && type === "premium")
            ? "swapType"
            : "replacement",
        problem,
      };
    case "invalid_request":
      if (error.field === "replacement_domain") return { field: "replacement", problem };
      if (error.field === "type") return { field: "swapType", problem };
      return undefined;
    default:
      return undefined;
  }
}

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
