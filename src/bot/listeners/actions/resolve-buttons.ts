import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { prepareReorderLogin } from "../../../pending/queued-reorders.js";
import { prepareNameservers } from "../../../pending/resolve-nameservers.js";
import { prepareReorder } from "../../../pending/resolve-reorder.js";
import { prepareSwap } from "../../../pending/resolve-swap.js";
import { ACTION_IDS } from "../../action-ids.js";
import { nameserversModal } from "../../views/nameservers-modal.js";
import { reorderLoginModal, reorderModal } from "../../views/reorder-modal.js";
import { swapModal } from "../../views/swap-modal.js";
import type { ListenerDeps } from "../deps.js";
import { channelOf, openModalFlow, outcomeInWords, pendingActionIdOf, tell } from "../interaction-kit.js";

/**
 * The resolving buttons (design §1): each opens its modal at once (a loading view inside the trigger's 3 s),
 * re-checks Peeker, and fills the modal in with what Peeker says now. Refusals (not an operator, claimed by
 * someone else, already being resolved, resolved upstream) are told ephemerally.
 */
export function registerResolveButtons(app: App, deps: ListenerDeps): void {
  registerModalButtons(app, deps);
  registerReorderLoginButton(app, deps);
}

const actorOf = (body: BlockAction) => ({ userId: body.user.id, pendingActionId: pendingActionIdOf(body) });

/** *Send nameservers…*, *Swap domain…*, *Fix picture & reorder…*: a modal filled in with what Peeker says now. */
function registerModalButtons(app: App, deps: ListenerDeps): void {
  const resolve = deps.flows;
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.nameserversOpen, async ({ ack, body, client }) => {
    await ack();
    await openModalFlow({
      deps,
      client,
      body,
      title: "Send nameservers",
      prepare: (hooks) => prepareNameservers(resolve, actorOf(body), hooks),
      render: (form) =>
        nameserversModal({
          pendingActionId: form.row.id,
          domains: [...new Set(form.groups.flatMap((g) => g.domains))].concat(
            form.groups.length === 0 && form.row.domain ? [form.row.domain] : [],
          ),
          groups: form.groups,
          customerChannel: form.customerChannel,
        }),
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.swapOpen, async ({ ack, body, client }) => {
    await ack();
    await openModalFlow({
      deps,
      client,
      body,
      title: "Swap domain",
      prepare: (hooks) => prepareSwap(resolve, actorOf(body), hooks),
      render: (form) =>
        swapModal({ pendingActionId: form.row.id, domain: form.domain, premiumAllowed: form.premiumAllowed }),
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.reorderOpen, async ({ ack, body, client }) => {
    await ack();
    await openModalFlow({
      deps,
      client,
      body,
      title: "Fix picture & reorder",
      prepare: (hooks) => prepareReorder(resolve, actorOf(body), hooks),
      render: (form) =>
        reorderModal({
          pendingActionId: form.row.id,
          orderId: form.orderId,
          failing: form.failing,
          askLogin: form.askLogin,
        }),
    });
  });
}

/** A queued reorder whose login was typed in the modal asks for it again once the original is cancelled. */
function registerReorderLoginButton(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.reorderCredentialsOpen, async ({ ack, body, client }) => {
    await ack();
    const outcome = await prepareReorderLogin(deps.flows, actorOf(body));
    if (outcome.kind !== "done") {
      await tell(
        client,
        deps,
        { channel: channelOf(body, deps), user: body.user.id },
        outcomeInWords(outcome),
      );
      return;
    }
    await client.views
      .open({
        trigger_id: body.trigger_id,
        view: reorderLoginModal({
          pendingActionId: outcome.result.row.id,
          originalOrderId: outcome.result.originalOrderId,
          askLogin: outcome.result.askLogin,
        }),
      })
      .catch(async (error: unknown) => {
        deps.logger.warn({ err: { message: (error as Error).message } }, "could not open the login modal");
        await tell(
          client,
          deps,
          { channel: channelOf(body, deps), user: body.user.id },
          "The form could not open in time (Slack allows 3 seconds). Press the button again.",
        );
      });
  });
}
