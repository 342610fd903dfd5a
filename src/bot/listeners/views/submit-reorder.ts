import type { App } from "@slack/bolt";
import { submitReorderLogin } from "../../../pending/queued-reorders.js";
import { submitReorder } from "../../../pending/resolve-reorder.js";
import {
  BLOCK_IDS,
  INPUT_ACTION_IDS,
  parsePictureUrlBlockId,
  pictureUrlBlockId,
  VIEW_CALLBACK_IDS,
} from "../../action-ids.js";
import { code } from "../../views/format.js";
import { messageModal } from "../../views/modals.js";
import { errorsOnBulk, parseBulkBlockId, parseBulkLines } from "../../views/picture-bulk.js";
import { isCancelTicked, reorderLoginModal, reorderModal } from "../../views/reorder-modal.js";
import type { ListenerDeps } from "../deps.js";
import {
  answerSubmission,
  fieldErrors,
  onFormSubmit,
  outcomeView,
  type SubmitAnswer,
  tell,
} from "../interaction-kit.js";
import { blockIdsOf, selectedManyOf, textOf, type ViewStateValues } from "./state.js";

const TITLE = "Fix picture & reorder";
const LOGIN_TITLE = "Place corrected order";

export function registerReorderSubmits(app: App, deps: ListenerDeps): void {
  registerReorderSubmit(app, deps);
  registerReorderLoginSubmit(app, deps);
}

/** What the reorder form holds: the new picture URLs by persona index, the bulk inputs, the checkbox, a login. */
function readReorderForm(values: ViewStateValues) {
  const urls = new Map<number, string>();
  const bulkBlocks: string[] = [];
  for (const blockId of blockIdsOf(values)) {
    const index = parsePictureUrlBlockId(blockId);
    if (index !== undefined) urls.set(index, textOf(values, blockId, INPUT_ACTION_IDS.pictureUrl) ?? "");
    // Long persona lists come as "<number> <url>" lines, one bulk input per group (views/picture-bulk.ts).
    const group = parseBulkBlockId(blockId);
    if (group === undefined) continue;
    bulkBlocks.push(blockId);
    const typed = textOf(values, blockId, INPUT_ACTION_IDS.pictureUrls) ?? "";
    for (const [i, url] of parseBulkLines(group, typed)) urls.set(i, url);
  }
  const cancelOriginal = isCancelTicked(
    selectedManyOf(values, BLOCK_IDS.cancelOriginal, INPUT_ACTION_IDS.cancelOriginal),
  );
  return { urls, bulkBlocks, cancelOriginal, login: readLogin(values) };
}

/** The login is read here and handed to the domain; it is never stored, logged or echoed back. */
function readLogin(values: ViewStateValues) {
  return {
    email: textOf(values, BLOCK_IDS.sequencerEmail, INPUT_ACTION_IDS.sequencerEmail),
    password: textOf(values, BLOCK_IDS.sequencerPassword, INPUT_ACTION_IDS.sequencerPassword),
  };
}

function registerReorderSubmit(app: App, deps: ListenerDeps): void {
  onFormSubmit(app, VIEW_CALLBACK_IDS.reorderSubmit, TITLE, async (meta, { ack, body, view, client }) => {
    const form = readReorderForm(view.state.values);
    const { urls, cancelOriginal, login } = form;
    const actor = { userId: body.user.id, pendingActionId: meta.id };
    await answerSubmission({
      deps,
      client,
      ack,
      viewId: view.id,
      title: TITLE,
      work: submitReorder(deps.flows, actor, { urls, cancelOriginal, login }),
      tellRefusal: (text) =>
        tell(client, deps, { channel: deps.config.slack.channelId, user: body.user.id }, text),
      render: (outcome) => reorderAnswer(meta.id, form, outcome),
    });
  });
}

function reorderAnswer(
  pendingActionId: string,
  form: ReturnType<typeof readReorderForm>,
  outcome: Awaited<ReturnType<typeof submitReorder>>,
): SubmitAnswer {
  const { urls, cancelOriginal, login } = form;
  if (outcome.kind === "done") {
    const result = outcome.result;
    const text =
      result.kind === "placed"
        ? `:white_check_mark: Corrected order ${code(result.newOrderId, 80)} placed. The card links it and follows it until it completes.`
        : `:white_check_mark: Cancellation of ${code(result.originalOrderId, 80)} requested. Reorder queued until ${result.originalOrderId} is cancelled; the bot places the corrected order then.`;
    return { kind: "view", view: messageModal(TITLE, [text]) };
  }
  if (outcome.kind === "invalid") {
    const errors = errorsOnBulk(fieldErrors(outcome.problems), form.bulkBlocks, pictureUrlBlockId);
    return {
      kind: "errors",
      errors,
      form: () =>
        reorderModal({
          pendingActionId,
          orderId: "the original order",
          failing: [...urls.keys()]
            .sort((a, b) => a - b)
            .map((index) => ({
              index,
              firstName: "Persona",
              lastName: `${index + 1}`,
              badUrl: null,
            })),
          askLogin: { email: login.email !== undefined, password: login.password !== undefined },
          values: { urls, cancelOriginal },
          errors,
        }),
    };
  }
  return { kind: "view", view: outcomeView(TITLE, outcome) };
}

function registerReorderLoginSubmit(app: App, deps: ListenerDeps): void {
  onFormSubmit(
    app,
    VIEW_CALLBACK_IDS.reorderCredentialsSubmit,
    LOGIN_TITLE,
    async (meta, { ack, body, view, client }) => {
      const login = readLogin(view.state.values);
      await answerSubmission({
        deps,
        client,
        ack,
        viewId: view.id,
        title: LOGIN_TITLE,
        work: submitReorderLogin(deps.flows, { userId: body.user.id, pendingActionId: meta.id }, login),
        tellRefusal: (text) =>
          tell(client, deps, { channel: deps.config.slack.channelId, user: body.user.id }, text),
        render: (outcome) => {
          if (outcome.kind === "done") {
            return {
              kind: "view",
              view: messageModal(LOGIN_TITLE, [
                `:white_check_mark: Corrected order ${code(outcome.result.newOrderId, 80)} placed. The card follows it.`,
              ]),
            };
          }
          if (outcome.kind === "invalid") {
            const errors = fieldErrors(outcome.problems);
            return {
              kind: "errors",
              errors,
              form: () =>
                reorderLoginModal({
                  pendingActionId: meta.id,
                  originalOrderId: "the original order",
                  askLogin: { email: login.email !== undefined, password: login.password !== undefined },
                  errors,
                }),
            };
          }
          return { kind: "view", view: outcomeView(LOGIN_TITLE, outcome) };
        },
      });
    },
  );
}
