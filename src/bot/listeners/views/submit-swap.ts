import type { App } from "@slack/bolt";
import { submitSwap } from "../../../pending/resolve-swap.js";
import { BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../action-ids.js";
import { code } from "../../views/format.js";
import { messageModal } from "../../views/modals.js";
import { swapModal } from "../../views/swap-modal.js";
import type { ListenerDeps } from "../deps.js";
import { answerSubmission, fieldErrors, onFormSubmit, outcomeView, tell } from "../interaction-kit.js";
import { selectedOf, textOf } from "./state.js";

const TITLE = "Swap domain";

export function registerSwapSubmit(app: App, deps: ListenerDeps): void {
  const resolve = deps.flows;
  onFormSubmit(app, VIEW_CALLBACK_IDS.swapSubmit, TITLE, async (meta, { ack, body, view, client }) => {
    const replacement =
      textOf(view.state.values, BLOCK_IDS.replacementDomain, INPUT_ACTION_IDS.replacementDomain) ?? "";
    const type = selectedOf(view.state.values, BLOCK_IDS.swapType, INPUT_ACTION_IDS.swapType) ?? "standard";
    const actor = { userId: body.user.id, pendingActionId: meta.id };
    await answerSubmission({
      deps,
      client,
      ack,
      viewId: view.id,
      title: TITLE,
      work: submitSwap(resolve, actor, { replacement, type }),
      tellRefusal: (text) =>
        tell(client, deps, { channel: deps.config.slack.channelId, user: body.user.id }, text),
      render: (outcome) => {
        if (outcome.kind === "done") {
          const { swapId, replacement: name, foundByLookup, requestId } = outcome.result;
          const how = foundByLookup ? " Peeker's answer was late, so the bot looked the swap up." : "";
          const request = requestId ? ` (Peeker request ${requestId})` : "";
          return {
            kind: "view",
            view: messageModal(TITLE, [
              `:white_check_mark: Swap ${code(swapId, 80)} to ${code(name, 120)} requested${request}.${how} The card shows it in progress and follows Peeker until the swap completes or fails.`,
            ]),
          };
        }
        if (outcome.kind === "invalid") {
          const errors = fieldErrors(outcome.problems);
          return {
            kind: "errors",
            errors,
            form: () =>
              swapModal({
                pendingActionId: meta.id,
                domain: { id: "", name: "the domain on this card", provider: null },
                premiumAllowed: type === "premium",
                values: { replacement, type },
                errors: {
                  replacement: errors[BLOCK_IDS.replacementDomain],
                  swapType: errors[BLOCK_IDS.swapType],
                },
              }),
          };
        }
        return { kind: "view", view: outcomeView(TITLE, outcome) };
      },
    });
  });
}
