import type { PendingActionRow } from "../db/schema.js";
import type { PictureUrlCheck } from "../net/picture-url-check.js";
import type { Persona } from "../peeker/types.js";
import { openResolution } from "./open-resolution.js";
import { type FieldProblem, invalid, type ResolveOutcome, refused } from "./outcomes.js";
import { placeCorrectedOrder, type ReorderResult } from "./place-corrected-order.js";
import { refreshActionFromPeeker } from "./refresh-from-peeker.js";
import { buildReorderBody, type LoginChoice, loginFor, type TypedLogin } from "./reorder-body.js";
import { type Actor, flowReader, goneUpstream, type ResolveDeps } from "./resolution.js";
import { audited } from "./resolution-audit.js";
import { claimForResolution } from "./resolution-claim.js";
import { lock, releaseWith } from "./resolution-lock.js";
import type { ReorderBody, SequencerLogin } from "./slack-details.js";
import type { ActionDetails } from "./snapshot.js";

/**
 * *Fix picture & reorder…* (`profile_picture_not_accessible`, design §1 and §3 "Reorder and cancellation").
 *
 * Peeker cannot fetch a persona's picture, so the order cannot finish. The fix is a corrected order: the same
 * user, sizing, domains and forwarding as the original (`GET /orders/{id}`), the personas with the new URLs,
 * and the sequencer `provider`/`client_id` of the original plus the login from configuration (or the modal).
 * Each URL is checked first (design §7, src/net/picture-url-check.ts).
 *
 * The original still holds its domains, so Peeker usually answers `domain_already_in_active_order`. Without
 * "Cancel the original order first" that is a field error suggesting it; with it the bot cancels the original
 * and queues the corrected order (kept without the sequencer login) until the original is `cancelled`
 * (src/pending/queued-reorders.ts places it). The login is never stored, logged or audited.
 */

export const REORDER_REASON = "profile_picture_not_accessible";

export interface FailingPersona {
  /** Position in the original order's personas (the modal's block ids carry it). */
  index: number;
  firstName: string;
  lastName: string;
  badUrl: string | null;
}

export interface ReorderForm {
  row: PendingActionRow;
  orderId: string;
  failing: FailingPersona[];
  /** Which parts of the sequencer login configuration lacks, so the modal must ask. */
  askLogin: { email: boolean; password: boolean };
}

export interface ReorderSubmission {
  /** New URL per persona index. */
  urls: Map<number, string>;
  cancelOriginal: boolean;
  login: TypedLogin;
}

export interface ReorderDeps extends ResolveDeps {
  checkPicture: PictureUrlCheck;
  /** PEEKER_SEQUENCER_LOGIN_EMAIL / _PASSWORD, read each time (never copied anywhere). */
  sequencerLogin: () => Partial<SequencerLogin>;
}

export function prepareReorder(
  deps: ReorderDeps,
  actor: Actor,
  hooks: { beforePeeker: () => Promise<void> },
): Promise<ResolveOutcome<ReorderForm>> {
  return audited(deps, actor, "click.fix_picture_reorder", {}, async () => {
    const opened = await openResolution(deps, actor, REORDER_REASON, hooks);
    if ("refusal" in opened) return refused(opened.refusal);
    const { row, reader } = opened;
    if (!row.order_id) {
      return { kind: "failed", error: new Error("This card names no order"), doing: "reading the order" };
    }
    const order = (await reader.getOrder(row.order_id)).data;
    const configured = deps.sequencerLogin();
    return {
      kind: "done",
      result: {
        row,
        orderId: order.id,
        failing: failingPersonas(order.personas, (row.details as ActionDetails).personas ?? []),
        askLogin: { email: !configured.email, password: !configured.password },
      },
    };
  });
}

/**
 * Steps 1 and 2 (src/pending/resolution.ts): the form is checked before anything is claimed, then the card is
 * claimed and locked. From there the card is ours and `resolving`: every exit either keeps it (Peeker took a
 * write, or may have) or releases it.
 */
export function submitReorder(
  deps: ReorderDeps,
  actor: Actor,
  input: ReorderSubmission,
): Promise<ResolveOutcome<ReorderResult>> {
  const indexes = [...input.urls.keys()].sort((a, b) => a - b);
  return audited(
    deps,
    actor,
    "submit.fix_picture_reorder",
    {
      personas: indexes,
      cancel_original: input.cancelOriginal,
      // Whether a login was typed, never the login itself.
      login_typed: Boolean(input.login.email || input.login.password),
    },
    async () => {
      const form = checkReorderForm(deps, input, indexes);
      if ("outcome" in form) return form.outcome;
      const claimed = await claimForResolution(deps, actor, { claim: true, reason: REORDER_REASON });
      if ("refusal" in claimed) return refused(claimed.refusal);
      const locked = await lock(deps, actor, claimed.row, "Checking the new picture URLs");
      if ("refusal" in locked) return refused(locked.refusal);
      return reorderWhileLocked(deps, actor, locked.row, input, { indexes, login: form.login });
    },
  );
}

/** The form alone, before anything is claimed: a URL for every persona, and the login configuration lacks. */
function checkReorderForm(
  deps: ReorderDeps,
  input: ReorderSubmission,
  indexes: number[],
): { login: LoginChoice } | { outcome: ResolveOutcome<ReorderResult> } {
  const missing: FieldProblem[] = indexes
    .filter((i) => (input.urls.get(i) ?? "").trim() === "")
    .map((i) => ({ field: `picture:${i}` as const, problem: { kind: "required" } }));
  if (indexes.length === 0) {
    return {
      outcome: { kind: "failed", error: new Error("No picture URL was given"), doing: "reading the form" },
    };
  }
  const login = loginFor(deps.sequencerLogin(), input.login);
  if (missing.length > 0 || login.problems.length > 0)
    return { outcome: invalid(...missing, ...login.problems) };
  return { login };
}

/**
 * Step 3 with the lock held: refresh the card from Peeker, check every new picture URL, build the corrected
 * order from the original, then hand over to the writes (src/pending/place-corrected-order.ts).
 */
async function reorderWhileLocked(
  deps: ReorderDeps,
  actor: Actor,
  locked: PendingActionRow,
  input: ReorderSubmission,
  form: { indexes: number[]; login: LoginChoice },
): Promise<ResolveOutcome<ReorderResult>> {
  const reader = flowReader(deps.peeker);
  let row: PendingActionRow;
  try {
    row = await refreshActionFromPeeker(deps, reader, locked, `slack:${actor.userId}:submit`);
  } catch (error) {
    const outcome: ResolveOutcome<ReorderResult> = {
      kind: "failed",
      error,
      doing: "checking the order with Peeker",
    };
    return releaseWith(deps, actor, outcome, "re-check failed");
  }
  const gone = goneUpstream(row);
  if (gone) return refused(gone);
  const orderId = row.order_id;
  if (!orderId) {
    const outcome: ResolveOutcome<ReorderResult> = {
      kind: "failed",
      error: new Error("This card names no order"),
      doing: "reading the order",
    };
    return releaseWith(deps, actor, outcome, "no order");
  }
  const pictures = await checkPictures(deps, input.urls, form.indexes);
  if (pictures.problems.length > 0)
    return releaseWith(deps, actor, invalid(...pictures.problems), "picture check");
  let body: ReorderBody;
  try {
    body = await buildReorderBody(reader, deps, orderId, pictures.urls);
  } catch (error) {
    const outcome: ResolveOutcome<ReorderResult> = {
      kind: "failed",
      error,
      doing: "reading the original order",
    };
    return releaseWith(deps, actor, outcome, "order read failed");
  }
  return placeCorrectedOrder(deps, actor, {
    id: row.id,
    originalOrderId: orderId,
    body,
    login: form.login,
    indexes: form.indexes,
    cancelOriginal: input.cancelOriginal,
    typedLogin: input.login,
  });
}

/** Every URL is fetched the safe way (design §7) before Peeker is asked to; a bad one never reaches Peeker. */
async function checkPictures(
  deps: ReorderDeps,
  urls: Map<number, string>,
  indexes: number[],
): Promise<{ urls: Map<number, string>; problems: FieldProblem[] }> {
  const checks = await Promise.all(
    indexes.map(async (index) => {
      const url = (urls.get(index) ?? "").trim();
      return { index, url, result: await deps.checkPicture(url) };
    }),
  );
  const problems: FieldProblem[] = checks.flatMap(({ index, url, result }) =>
    result.ok
      ? []
      : [
          {
            field: `picture:${index}` as const,
            problem: { kind: "picture", url, failure: result.failure },
          },
        ],
  );
  return { urls: new Map(checks.map((c) => [c.index, c.url])), problems };
}

/** Which of the order's personas the card says are failing, by name (and URL when names repeat). */
export function failingPersonas(orderPersonas: Persona[], cardPersonas: Persona[]): FailingPersona[] {
  const picked = new Set<number>();
  for (const bad of cardPersonas) {
    const same = (p: Persona) => p.first_name === bad.first_name && p.last_name === bad.last_name;
    let index = orderPersonas.findIndex(
      (p, i) => !picked.has(i) && same(p) && p.profile_picture_url === bad.profile_picture_url,
    );
    if (index < 0) index = orderPersonas.findIndex((p, i) => !picked.has(i) && same(p));
    if (index >= 0) picked.add(index);
  }
  // Peeker listed no persona we can match: offer every persona rather than none.
  const indexes = picked.size > 0 ? [...picked].sort((a, b) => a - b) : orderPersonas.map((_, i) => i);
  return indexes.map((index) => {
    const p = orderPersonas[index]!;
    return { index, firstName: p.first_name, lastName: p.last_name, badUrl: p.profile_picture_url };
  });
}
