import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { pressClaim, pressRefresh, pressUnclaim } from "../../../pending/claims.js";
import { ACTION_IDS } from "../../action-ids.js";
import type { ListenerDeps } from "../deps.js";
import { channelOf, outcomeInWords, pendingActionIdOf, tell } from "../interaction-kit.js";

/**
 * *Claim*, *Unclaim* and *Refresh* on every card (design §1). The card itself shows the result; the presser is
 * told ephemerally only when nothing happened (someone else has it, or it is resolved) or after a refresh.
 */
export function registerCardButtons(app: App, deps: ListenerDeps): void {
  const resolve = deps.flows;

  // Claim and Unclaim say nothing when they worked: the card and its thread show it to everyone.
  for (const [actionId, press] of [
    [ACTION_IDS.cardClaim, pressClaim],
    [ACTION_IDS.cardUnclaim, pressUnclaim],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, client }) => {
      await ack();
      const outcome = await press(resolve, {
        userId: body.user.id,
        pendingActionId: pendingActionIdOf(body),
      });
      if (outcome.kind !== "done") {
        await tell(
          client,
          deps,
          { channel: channelOf(body, deps), user: body.user.id },
          outcomeInWords(outcome),
        );
      }
    });
  }

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.cardRefresh, async ({ ack, body, client }) => {
    await ack();
    const outcome = await pressRefresh(resolve, {
      userId: body.user.id,
      pendingActionId: pendingActionIdOf(body),
    });
    const to = { channel: channelOf(body, deps), user: body.user.id };
    if (outcome.kind !== "done") {
      await tell(client, deps, to, outcomeInWords(outcome));
      return;
    }
    const row = outcome.result;
    const state =
      row.state === "resolved"
        ? `resolved (${row.resolution ?? "resolved in Peeker"})`
        : row.state === "resolving"
          ? `being resolved${row.resolving_note ? `: ${row.resolving_note}` : ""}`
          : "still open in Peeker";
    await tell(client, deps, to, `Refreshed from Peeker: this card is ${state}.`);
  });

  // Link buttons (a card's permalink, a share button's URL) still send block_actions; they only need an ack.
  app.action(ACTION_IDS.openLink, async ({ ack }) => {
    await ack();
  });
}
