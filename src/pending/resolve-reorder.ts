import type { PendingActionRow } from "../db/schema.js";
import type { PictureUrlCheck } from "../net/picture-url-check.js";
import { isPeekerError } from "../peeker/errors.js";
import type { CreateOrderBody, Order, Persona } from "../peeker/types.js";
import { recordIntent } from "./intents.js";
import { type FieldProblem, invalid, outcomeUnknown, type ResolveOutcome, refused } from "./outcomes.js";
import {
  acceptPlaced,
  acceptQueued,
  cancellationAccepted,
  lookUpCorrectedOrder,
} from "./reorder-outcomes.js";
import type { PeekerReader } from "./reread.js";
import {
  type Actor,
  audited,
  flowReader,
  gate,
  goneUpstream,
  INTERACTIVE,
  lock,
  openResolution,
  type ResolveDeps,
  recheck,
  release,
} from "./resolution.js";
import type { QueuedReorder, ReorderBody, SequencerLogin } from "./slack-details.js";
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
  login: { email?: string | undefined; password?: string | undefined };
}

export type ReorderResult =
  | { kind: "placed"; newOrderId: string }
  | { kind: "queued"; originalOrderId: string };

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
      const missing: FieldProblem[] = indexes
        .filter((i) => (input.urls.get(i) ?? "").trim() === "")
        .map((i) => ({ field: `picture:${i}` as const, problem: { kind: "required" } }));
      if (indexes.length === 0)
        return { kind: "failed", error: new Error("No picture URL was given"), doing: "reading the form" };
      const login = loginFor(deps.sequencerLogin(), input.login);
      if (missing.length > 0 || login.problems.length > 0) return invalid(...missing, ...login.problems);

      const gated = await gate(deps, actor, { claim: true, reason: REORDER_REASON });
      if ("refusal" in gated) return refused(gated.refusal);
      const locked = await lock(deps, actor, gated.row, "Checking the new picture URLs");
      if ("refusal" in locked) return refused(locked.refusal);
      const give = async <T>(outcome: ResolveOutcome<T>, why: string): Promise<ResolveOutcome<T>> => {
        await release(deps, actor, why);
        return outcome;
      };

      const reader = flowReader(deps.peeker);
      let row: PendingActionRow;
      try {
        row = await recheck(deps, reader, locked.row, `slack:${actor.userId}:submit`);
      } catch (error) {
        return give({ kind: "failed", error, doing: "checking the order with Peeker" }, "re-check failed");
      }
      const gone = goneUpstream(row);
      if (gone) return refused(gone);
      const orderId = row.order_id;
      if (!orderId)
        return give(
          { kind: "failed", error: new Error("This card names no order"), doing: "reading the order" },
          "no order",
        );

      // Every URL is fetched the safe way before Peeker is asked to; a bad one never reaches Peeker.
      const checks = await Promise.all(
        indexes.map(async (index) => {
          const url = (input.urls.get(index) ?? "").trim();
          return { index, url, result: await deps.checkPicture(url) };
        }),
      );
      const badPictures: FieldProblem[] = checks.flatMap(({ index, url, result }) =>
        result.ok
          ? []
          : [
              {
                field: `picture:${index}` as const,
                problem: { kind: "picture", url, failure: result.failure },
              },
            ],
      );
      if (badPictures.length > 0) return give(invalid(...badPictures), "picture check");

      let body: ReorderBody;
      try {
        body = await buildReorderBody(reader, deps, orderId, new Map(checks.map((c) => [c.index, c.url])));
      } catch (error) {
        return give({ kind: "failed", error, doing: "reading the original order" }, "order read failed");
      }
      const placing = withLogin(body, login.value);
      const intent = (kind: "order_create" | "order_cancel", payload: Record<string, unknown>) =>
        recordIntent(deps.db, { id: row.id, userId: actor.userId, kind, payload, now: deps.clock.now() });
      try {
        // The intent first (the body without its login): a crash from here on is looked up, never forgotten.
        await intent("order_create", { original_order_id: orderId, body });
      } catch (error) {
        return give({ kind: "failed", error, doing: "recording the reorder" }, "intent not recorded");
      }
      let placed: { id: string; requestId: string | undefined } | undefined;
      let placeError: unknown;
      try {
        const answer = await deps.peeker.createOrder(placing, INTERACTIVE);
        placed = { id: answer.data.id, requestId: answer.requestId };
      } catch (error) {
        placeError = error;
        if (!isPeekerError(error) || !error.isClientError) {
          // Unknown outcome: Peeker may have placed it. Look it up rather than call the reorder failed.
          const found = await lookUpCorrectedOrder(deps.peeker, body, orderId, deps.clock.now()).catch(
            () => undefined,
          );
          // Not found (yet): the lock and the intent stay for the sweeper, which looks again after this flow.
          if (!found)
            return outcomeUnknown(
              error,
              "placing the corrected order",
              "the corrected order may have been placed",
            );
          placed = { id: found.id, requestId: found.requestId };
        }
      }
      if (placed) {
        // Outside the call's try: Peeker placed the order, so a failed commit must never release the card.
        try {
          await acceptPlaced(deps, actor.userId, row.id, placed.id, placed.requestId);
        } catch (error) {
          return {
            kind: "failed",
            error,
            doing: "recording the corrected order",
            changed: `Peeker placed the corrected order ${placed.id}`,
          };
        }
        return { kind: "done", result: { kind: "placed", newOrderId: placed.id } };
      }
      const error = placeError as import("../peeker/errors.js").PeekerError;
      if (error.code === "domain_already_in_active_order") {
        if (!input.cancelOriginal) {
          const domains = Array.isArray(error.details?.domains) ? (error.details.domains as string[]) : [];
          return give(
            invalid({ field: "cancelOriginal", problem: { kind: "needs_cancel", orderId, domains } }),
            "domains held",
          );
        }
        const queued: QueuedReorder = {
          originalOrderId: orderId,
          body,
          loginFrom: login.typed ? "modal" : "config",
          requestedBy: actor.userId,
        };
        try {
          await intent("order_cancel", { original_order_id: orderId, queued });
        } catch (intentError) {
          return give(
            { kind: "failed", error: intentError, doing: "recording the cancellation" },
            "intent not recorded",
          );
        }
        let cancelRequestId: string | undefined;
        try {
          cancelRequestId = (await deps.peeker.cancelOrder(orderId, undefined, INTERACTIVE)).requestId;
        } catch (cancelError) {
          // A cancel whose answer was lost (timeout, 5xx) may have been accepted: look before saying it failed,
          // or the original would be cancelled with no corrected order ever placed.
          if (isPeekerError(cancelError) && cancelError.isClientError) {
            return give(
              { kind: "failed", error: cancelError, doing: "cancelling the original order" },
              "cancel failed",
            );
          }
          const accepted = await cancellationAccepted(deps.peeker, orderId).catch(() => undefined);
          // Not seen (yet): the intent stays for the sweeper, which looks again after this flow.
          if (!accepted) {
            return outcomeUnknown(
              cancelError,
              "cancelling the original order",
              `the cancellation of ${orderId} may have been accepted`,
            );
          }
          cancelRequestId = accepted.requestId;
        }
        try {
          await acceptQueued(deps, actor.userId, row.id, queued, cancelRequestId);
        } catch (recordError) {
          return {
            kind: "failed",
            error: recordError,
            doing: "recording the queued reorder",
            changed: `Peeker accepted the cancellation of ${orderId}`,
          };
        }
        return { kind: "done", result: { kind: "queued", originalOrderId: orderId } };
      }
      const problem = orderErrorProblem(error, indexes, input.login);
      return give(
        problem ? invalid(problem) : { kind: "failed", error, doing: "placing the corrected order" },
        error.code,
      );
    },
  );
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

/** The corrected order: everything as in the original, the fixed URLs, the sequencer without its login. */
export async function buildReorderBody(
  reader: PeekerReader,
  deps: Pick<ResolveDeps, "peeker">,
  orderId: string,
  urls: Map<number, string>,
): Promise<ReorderBody> {
  const order: Order = (await reader.getOrder(orderId)).data;
  for (const index of urls.keys()) {
    if (!order.personas[index]) throw new Error(`Order ${orderId} has no persona number ${index + 1}`);
  }
  let sequencer = order.sequencer ?? undefined;
  if (!sequencer)
    sequencer = (await deps.peeker.getUser(order.user_id, INTERACTIVE)).data.sequencer ?? undefined;
  if (!sequencer) throw new Error(`Neither order ${orderId} nor its customer names a sequencer`);
  const clientId = Number(sequencer.client_id);
  if (!Number.isInteger(clientId))
    throw new Error(`The sequencer client id of order ${orderId} is not a number`);

  const body: ReorderBody = {
    user: order.user_id,
    domains: order.domains.map((d) =>
      d.forwarding_url && d.forwarding_url !== order.forwarding_url
        ? { domain: d.domain, forwarding_url: d.forwarding_url }
        : d.domain,
    ),
    personas: order.personas.map((p, i) => ({
      first_name: p.first_name,
      last_name: p.last_name,
      profile_picture_url: urls.get(i) ?? p.profile_picture_url ?? "",
    })),
    sequencer: { provider: sequencer.provider, client_id: clientId },
  };
  if (order.bundle_id) {
    body.bundle_id = order.bundle_id;
  } else {
    if (typeof order.google_licenses === "number") body.google_licenses = order.google_licenses;
    if (typeof order.microsoft_licenses === "number") body.microsoft_licenses = order.microsoft_licenses;
    if (order.google_inboxes_per_domain === 2 || order.google_inboxes_per_domain === 3) {
      body.google_inboxes_per_domain = order.google_inboxes_per_domain;
    }
  }
  if (order.forwarding_url) body.forwarding_url = order.forwarding_url;
  return body;
}

/** The body Peeker takes: the stored one plus the login, assembled at the last moment and never kept. */
export function withLogin(body: ReorderBody, login: SequencerLogin): CreateOrderBody {
  return {
    ...body,
    sequencer: { ...body.sequencer, login_email: login.email, login_password: login.password },
  } as CreateOrderBody;
}

/** The login to send: configuration first, the modal for what configuration lacks. */
export function loginFor(
  configured: Partial<SequencerLogin>,
  typed: { email?: string | undefined; password?: string | undefined },
): { value: SequencerLogin; typed: boolean; problems: FieldProblem[] } {
  const email = configured.email ?? typed.email?.trim() ?? "";
  const password = configured.password ?? typed.password ?? "";
  const problems: FieldProblem[] = [];
  if (!configured.email) {
    if (email === "") problems.push({ field: "sequencerEmail", problem: { kind: "required" } });
    else if (!/^[^\s@]+@[^\s@]+$/.test(email))
      problems.push({ field: "sequencerEmail", problem: { kind: "not_an_email" } });
  }
  if (!configured.password && password === "") {
    problems.push({ field: "sequencerPassword", problem: { kind: "required" } });
  }
  return { value: { email, password }, typed: !configured.email || !configured.password, problems };
}

function orderErrorProblem(
  error: import("../peeker/errors.js").PeekerError,
  indexes: number[],
  typed: ReorderSubmission["login"],
): FieldProblem | undefined {
  const problem = { kind: "peeker" as const, error };
  const picture = /^personas\[(\d+)\]/.exec(error.field ?? "");
  if (picture) {
    const index = Number(picture[1]);
    return indexes.includes(index) ? { field: `picture:${index}`, problem } : undefined;
  }
  if (error.field === "sequencer.login_email" && typed.email !== undefined)
    return { field: "sequencerEmail", problem };
  if (error.field === "sequencer.login_password" && typed.password !== undefined) {
    return { field: "sequencerPassword", problem };
  }
  return undefined;
}
