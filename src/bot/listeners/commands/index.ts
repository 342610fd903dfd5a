import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";
import { helpAnswer } from "./help.js";
import { SUBCOMMANDS } from "./registry.js";
import type { Invocation, SlashAnswer } from "./types.js";

/** Slack waits 3 s for the ack; answer inline when the work is done by then, else through response_url. */
const INLINE_ANSWER_MS = 2000;

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
    const [name = "help", ...args] = invocation.text.trim().split(/\s+/).filter(Boolean);
    const subcommand = SUBCOMMANDS[name.toLowerCase()];
    if (!subcommand) {
      const intro = name === "help" ? undefined : `I don't know \`${name.slice(0, 40)}\`.`;
      await ack({ response_type: "ephemeral", ...helpAnswer(SUBCOMMANDS, intro) });
      return;
    }
    const work = subcommand.run(args, invocation, deps).catch((error: unknown) => {
      deps.logger.error(
        { err: { message: (error as Error)?.message }, subcommand: name },
        "slash command failed",
      );
      return { text: `Sorry, \`/peeker ${name}\` failed: ${(error as Error)?.message ?? "unknown error"}` };
    });
    const inline = await Promise.race([work, delay(INLINE_ANSWER_MS)]);
    if (inline) {
      await ack({ response_type: "ephemeral", ...render(inline) });
      return;
    }
    await ack({ response_type: "ephemeral", text: "Working on it…" });
    const answer = await work;
    await respond({ response_type: "ephemeral", replace_original: true, ...render(answer) }).catch(
      (error: Error) =>
        deps.logger.warn({ err: { message: error.message } }, "could not answer through response_url"),
    );
  });
}

function render(answer: SlashAnswer) {
  return answer.blocks ? { text: answer.text, blocks: answer.blocks } : { text: answer.text };
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
