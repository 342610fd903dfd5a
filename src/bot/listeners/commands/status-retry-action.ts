import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { refuseUnlessOperator } from "../../../pending/permissions.js";
import { ACTION_IDS } from "../../action-ids.js";
import type { ListenerDeps } from "../deps.js";

const EVENT_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** *Retry* beside a failed event in `/peeker status`: the event goes back to the inbox with fresh attempts. */
export function registerStatusRetryAction(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(
    ACTION_IDS.statusRetryEvent,
    async ({ ack, body, action, respond }) => {
      await ack();
      const eventId = action.value ?? "";
      if (!EVENT_ID.test(eventId)) {
        await respond({
          response_type: "ephemeral",
          replace_original: false,
          text: "That is not an event id.",
        });
        return;
      }
      const refusal = await refuseUnlessOperator(deps.flows, {
        userId: body.user.id,
        attempted: "*Retry* on a failed event",
        resourceId: eventId,
      });
      if (refusal) {
        await respond({ response_type: "ephemeral", replace_original: false, text: refusal }).catch(
          (error: Error) => deps.logger.warn({ err: { message: error.message } }, "could not answer a retry"),
        );
        return;
      }
      const retried = await deps.opsStatus.retryFailedEvent(eventId, body.user.id);
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: retried
          ? `Event \`${eventId}\` is back in the inbox; it will be processed within seconds.`
          : `Event \`${eventId}\` is not failed any more (already retried or processed).`,
      }).catch((error: Error) =>
        deps.logger.warn({ err: { message: error.message } }, "could not answer a retry"),
      );
    },
  );
}
