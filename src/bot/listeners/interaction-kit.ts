import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  SlackViewMiddlewareArgs,
  ViewResponseAction,
  ViewSubmitAction,
} from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { FieldKey, FieldProblem, ResolveOutcome } from "../../pending/outcomes.js";
import { BLOCK_IDS, pictureUrlBlockId } from "../action-ids.js";
import { errorInWords, problemInWords, refusalInWords } from "../error-words.js";
import {
  loadingModal,
  type ModalMetadata,
  type ModalView,
  messageModal,
  parseMetadata,
  workingModal,
} from "../views/modals.js";
import type { ListenerDeps } from "./deps.js";

/**
 * What the action and view listeners share: ephemeral replies, the loading-view-then-update pattern for opening
 * modals (design §1), and the 3-second answer of a submit with the "Working…" fallback (design §5). Listeners stay thin: parse, call one domain function, render.
 */

/** The pending action id a card button carries (its value is our id and nothing else). */
export function pendingActionIdOf(body: BlockAction): string {
  const action = body.actions[0];
  return action && "value" in action && typeof action.value === "string" ? action.value : "";
}

export function channelOf(body: BlockAction, deps: ListenerDeps): string {
  return body.channel?.id ?? body.container?.channel_id ?? deps.config.slack.channelId;
}

/** A reply only the clicker sees. Never throws: a lost ephemeral must not turn into a second error. */
export async function tell(
  client: WebClient,
  deps: ListenerDeps,
  to: { channel: string; user: string },
  text: string,
): Promise<void> {
  await client.chat
    .postEphemeral({ channel: to.channel, user: to.user, text })
    .catch((error: unknown) =>
      deps.logger.warn({ err: { message: (error as Error).message } }, "could not send an ephemeral reply"),
    );
}

/** Words for an outcome that did not end in `done` (refused / failed). */
export function outcomeInWords(outcome: Exclude<ResolveOutcome<unknown>, { kind: "done" }>): string {
  switch (outcome.kind) {
    case "refused":
      return refusalInWords(outcome.refusal);
    case "failed":
      if (outcome.changed) {
        return `${outcome.changed}, but ${outcome.doing} failed: ${errorInWords(outcome.error)}. Do not submit again: the card will show it within a minute.`;
      }
      if (outcome.unknown) {
        return `Peeker did not confirm ${outcome.doing} (${errorInWords(outcome.error)}): ${outcome.unknown}. Do not submit again: the card will show what Peeker did within a minute.`;
      }
      return `Could not finish ${outcome.doing}: ${errorInWords(outcome.error)}. Nothing was changed; try again.`;
    case "invalid":
      return outcome.problems.map((p) => problemInWords(p.problem)).join(" ");
  }
}

export function blockIdOf(field: FieldKey): string {
  if (field.startsWith("picture:")) return pictureUrlBlockId(Number(field.slice("picture:".length)));
  const map: Record<Exclude<FieldKey, `picture:${number}`>, string> = {
    replacement: BLOCK_IDS.replacementDomain,
    swapType: BLOCK_IDS.swapType,
    message: BLOCK_IDS.message,
    sendTo: BLOCK_IDS.sendTo,
    cancelOriginal: BLOCK_IDS.cancelOriginal,
    sequencerEmail: BLOCK_IDS.sequencerEmail,
    sequencerPassword: BLOCK_IDS.sequencerPassword,
  };
  return map[field as Exclude<FieldKey, `picture:${number}`>];
}

/** `response_action: "errors"` wants block id → message. */
export function fieldErrors(problems: FieldProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, problem } of problems) {
    const block = blockIdOf(field);
    errors[block] = errors[block] ? `${errors[block]} ${problemInWords(problem)}` : problemInWords(problem);
  }
  return errors;
}

class TriggerExpired extends Error {
  override readonly name = "TriggerExpired";
}

function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } })?.data?.error;
  return typeof code === "string" ? code : undefined;
}

/**
 * A resolving button: the domain's `prepare` claims the card, calls `beforePeeker` (the loading modal opens there,
 * inside the trigger's 3 s), asks Peeker, and the listener updates the modal with the form or the outcome.
 */
export async function openModalFlow<T>(input: {
  deps: ListenerDeps;
  client: WebClient;
  body: BlockAction;
  title: string;
  prepare: (hooks: { beforePeeker: () => Promise<void> }) => Promise<ResolveOutcome<T>>;
  render: (result: T) => ModalView;
}): Promise<void> {
  const { deps, client, body } = input;
  const to = { channel: channelOf(body, deps), user: body.user.id };
  let viewId: string | undefined;
  const outcome = await guarded(
    input.prepare,
    "opening the form",
  )({
    beforePeeker: async () => {
      try {
        const opened = await client.views.open({
          trigger_id: body.trigger_id,
          view: loadingModal(input.title),
        });
        viewId = opened.view?.id;
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === "expired_trigger_id" || code === "exchanged_trigger_id") throw new TriggerExpired(code);
        throw error;
      }
    },
  });
  const show = async (view: ModalView) => {
    if (!viewId) return false;
    await client.views.update({ view_id: viewId, view }).catch((error: unknown) => {
      deps.logger.warn({ err: { message: (error as Error).message } }, "could not update the modal");
    });
    return true;
  };
  if (outcome.kind === "done") {
    await show(input.render(outcome.result));
    return;
  }
  if (outcome.kind === "failed" && outcome.error instanceof TriggerExpired) {
    await tell(
      client,
      deps,
      to,
      "Slack gave the form only 3 seconds to open and that time ran out (Slack or the network was slow). Press the button again.",
    );
    return;
  }
  const words = outcomeInWords(outcome);
  if (outcome.kind === "refused") await tell(client, deps, to, words);
  if (!(await show(messageModal(input.title, [words]))) && outcome.kind !== "refused") {
    await tell(client, deps, to, words);
  }
}

/** How a finished submit is shown: close, field errors, or a replacement view. */
export type SubmitAnswer =
  | { kind: "errors"; errors: Record<string, string>; form: () => ModalView }
  | { kind: "view"; view: ModalView };

/**
 * Answers a modal submit within the answer window (SLACK_ANSWER_WINDOW_MS, under Slack's 3 s) when the work is
 * done by then (field errors or the outcome);
 * otherwise acks with the "Working…" view and replaces it with the outcome through `views.update` (design §5).
 */
export async function answerSubmission<T>(input: {
  deps: ListenerDeps;
  client: WebClient;
  ack: (response?: ViewResponseAction) => Promise<void>;
  viewId: string;
  title: string;
  work: Promise<ResolveOutcome<T>>;
  render: (outcome: ResolveOutcome<T>) => SubmitAnswer;
  /** Also told ephemerally (refusals: design §3 "What users read"). */
  tellRefusal?: (text: string) => Promise<void>;
}): Promise<void> {
  // An unexpected failure (the database, say) still becomes an answer in words, never an unanswered submit.
  const work = input.work.catch(
    (error: unknown): ResolveOutcome<T> => ({ kind: "failed", error, doing: "your request" }),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), input.deps.config.slack.answerWindowMs);
  });
  const early = await Promise.race([work, late]);
  clearTimeout(timer);
  const announce = async (outcome: ResolveOutcome<T>) => {
    if (outcome.kind === "refused" && input.tellRefusal) await input.tellRefusal(outcomeInWords(outcome));
  };
  if (early) {
    const answer = input.render(early);
    await input.ack(
      answer.kind === "errors"
        ? { response_action: "errors", errors: answer.errors }
        : { response_action: "update", view: answer.view },
    );
    await announce(early);
    return;
  }
  await input.ack({ response_action: "update", view: workingModal(input.title) });
  const outcome = await work;
  const answer = input.render(outcome);
  const view = answer.kind === "errors" ? answer.form() : answer.view;
  await input.client.views.update({ view_id: input.viewId, view }).catch((error: unknown) => {
    input.deps.logger.warn(
      { err: { message: (error as Error).message } },
      "could not show the outcome in the modal",
    );
  });
  await announce(outcome);
}

function guarded<A extends unknown[], T>(
  fn: (...args: A) => Promise<ResolveOutcome<T>>,
  doing: string,
): (...args: A) => Promise<ResolveOutcome<T>> {
  return (...args) =>
    fn(...args).catch((error: unknown): ResolveOutcome<T> => ({ kind: "failed", error, doing }));
}

/** The standard rendering of a non-`done` outcome as a message view. */
export function outcomeView(
  title: string,
  outcome: Exclude<ResolveOutcome<unknown>, { kind: "done" }>,
): ModalView {
  const icon = outcome.kind === "failed" ? ":x: " : ":information_source: ";
  return messageModal(title, [`${icon}${outcomeInWords(outcome)}`]);
}

export type FormSubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Registers a modal submit. Its `private_metadata` names our pending action (an id only, re-checked on use); a
 * form that is not ours is answered in words instead of reaching the handler.
 */
export function onFormSubmit(
  app: App,
  callbackId: string,
  title: string,
  handle: (meta: ModalMetadata, args: FormSubmitArgs) => Promise<void>,
): void {
  app.view<ViewSubmitAction>(callbackId, async (args) => {
    const meta = parseMetadata(args.view.private_metadata);
    if (!meta) {
      await args.ack({
        response_action: "update",
        view: messageModal(title, ["This form is not one of ours."]),
      });
      return;
    }
    await handle(meta, args);
  });
}
