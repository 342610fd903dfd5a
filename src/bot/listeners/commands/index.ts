import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";
import { render, runSubcommand } from "./dispatch.js";
import { registerShareAction } from "./share-action.js";
import { registerStatusRetryAction } from "./status-retry-action.js";
import type { Invocation } from "./types.js";

/**
 * `/peeker <subcommand> …`: one listener, subcommands in a registry (./registry.ts). Unknown input gets the
 * help text; a failure gets a sentence, never a stack trace.
 */
export function registerCommandListeners(app: App, deps: ListenerDeps): void {
  app.command("/peeker", async ({ command, ack, respond }) => {
    const invocation: Invocation = {
      userId: command.user_id,
      channelId: command.channel_id,
      text: command.text ?? "",
      triggerId: command.trigger_id,
      responseUrl: command.response_url,
    };
    const work = runSubcommand(invocation, deps);
    let timer: NodeJS.Timeout | undefined;
    const inline = await Promise.race([
      work,
      new Promise<undefined>((resolve) => {
        // Slack waits 3 s for the ack: answer inline when the work is done within the answer window (config),
        // else through response_url.
        timer = setTimeout(() => resolve(undefined), deps.config.slack.answerWindowMs);
      }),
    ]);
    clearTimeout(timer);
    if (inline) {
      await ack({ response_type: "ephemeral", ...render(inline, invocation.text) });
      return;
    }
    await ack({ response_type: "ephemeral", text: "Working on it…" });
    const answer = await work;
    await respond({
      response_type: "ephemeral",
      replace_original: true,
      ...render(answer, invocation.text),
    }).catch((error: Error) =>
      deps.logger.warn({ err: { message: error.message } }, "could not answer through response_url"),
    );
  });
  registerShareAction(app, deps);
  registerStatusRetryAction(app, deps);
}
