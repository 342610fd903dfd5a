import type { App } from "@slack/bolt";
import { submitNameservers } from "../../../pending/resolve-nameservers.js";
import { BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../action-ids.js";
import { messageModal } from "../../views/modals.js";
import { nameserversModal } from "../../views/nameservers-modal.js";
import type { ListenerDeps } from "../deps.js";
import { answerSubmission, fieldErrors, onFormSubmit, outcomeView, tell } from "../interaction-kit.js";
import { selectedOf, textOf } from "./state.js";

const TITLE = "Send nameservers";

export function registerNameserversSubmit(app: App, deps: ListenerDeps): void {
  const resolve = deps.flows;
  onFormSubmit(app, VIEW_CALLBACK_IDS.nameserversSubmit, TITLE, async (meta, { ack, body, view, client }) => {
    const message = textOf(view.state.values, BLOCK_IDS.message, INPUT_ACTION_IDS.message) ?? "";
    const sendTo =
      selectedOf(view.state.values, BLOCK_IDS.sendTo, INPUT_ACTION_IDS.sendTo) === "customer"
        ? "customer"
        : "thread";
    const actor = { userId: body.user.id, pendingActionId: meta.id };
    await answerSubmission({
      deps,
      client,
      ack,
      viewId: view.id,
      title: TITLE,
      work: submitNameservers(resolve, actor, { message, sendTo }),
      tellRefusal: (text) =>
        tell(client, deps, { channel: deps.config.slack.channelId, user: body.user.id }, text),
      render: (outcome) => {
        if (outcome.kind === "done") {
          const where =
            outcome.result.to === "thread"
              ? "in the card's thread, ready to forward"
              : `to <#${outcome.result.to.channel}>`;
          return {
            kind: "view",
            view: messageModal(TITLE, [
              `:white_check_mark: Message sent ${where}. The card shows "Customer notified" and stays open until Peeker reports the domains connected.`,
            ]),
          };
        }
        if (outcome.kind === "invalid") {
          const errors = fieldErrors(outcome.problems);
          return {
            kind: "errors",
            errors,
            form: () =>
              nameserversModal({
                pendingActionId: meta.id,
                domains: [],
                groups: [],
                customerChannel: undefined,
                values: { message, sendTo },
                errors: { message: errors[BLOCK_IDS.message], sendTo: errors[BLOCK_IDS.sendTo] },
              }),
          };
        }
        return { kind: "view", view: outcomeView(TITLE, outcome) };
      },
    });
  });
}
