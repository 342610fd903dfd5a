import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION_IDS } from "../../action-ids.js";
import { code, mention } from "../../views/format.js";
import type { ListenerDeps } from "../deps.js";
import { render, runSubcommand } from "./dispatch.js";

/**
 * *Share in channel* under an ephemeral `/peeker` answer. The button's value is the command text (ids only), so
 * the lookup runs again and what the channel sees is current; it is posted through the answer's response_url as
 * `in_channel`, which works in any conversation the command was used in, with who shared it on top.
 */
export function registerShareAction(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.share, async ({ ack, body, action, respond }) => {
    await ack();
    const text = (action.value ?? "").slice(0, 2000);
    const answer = await runSubcommand(
      {
        userId: body.user.id,
        channelId: body.channel?.id ?? body.container?.channel_id ?? "",
        text,
        triggerId: body.trigger_id,
        responseUrl: body.response_url ?? "",
      },
      deps,
    );
    const message = render({ ...answer, shareable: false }, undefined);
    const blocks = message.blocks ?? [{ type: "section", text: { type: "mrkdwn", text: message.text } }];
    await respond({
      response_type: "in_channel",
      replace_original: false,
      text: message.text,
      blocks: [
        {
          type: "context",
          elements: [
            {
              type: "mrkdwn",
              text: `${mention(body.user.id)} shared ${code(`/peeker ${text}`, 200)}`,
            },
          ],
        },
        ...blocks.slice(0, 49),
      ],
    }).catch((error: Error) =>
      deps.logger.warn({ err: { message: error.message } }, "could not share a /peeker answer"),
    );
  });
}
