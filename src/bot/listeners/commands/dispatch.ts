import type { types } from "@slack/bolt";
import { ACTION_IDS } from "../../action-ids.js";
import { errorInWords } from "../../error-words.js";
import { fitBlocks } from "../../views/fit.js";
import { code, cutMrkdwn, fitLines } from "../../views/format.js";
import type { ListenerDeps } from "../deps.js";
import { helpAnswer } from "./help.js";
import { SUBCOMMANDS } from "./registry.js";
import type { Invocation, SlashAnswer } from "./types.js";

/**
 * From `/peeker` text to a Slack message: the subcommand run (./registry.ts) and its answer rendered. Shared by
 * the command listener (./index.ts) and *Share in channel* (./share-action.ts), which runs the lookup again.
 */

/**
 * Parses `invocation.text` and runs its subcommand. Unknown input gets the help text; a failure gets a sentence
 * (errorInWords), never a stack trace.
 */
export async function runSubcommand(invocation: Invocation, deps: ListenerDeps): Promise<SlashAnswer> {
  const [name = "help", ...args] = invocation.text.trim().split(/\s+/).filter(Boolean);
  const subcommand = SUBCOMMANDS[name.toLowerCase()];
  if (!subcommand) {
    return helpAnswer(SUBCOMMANDS, `I don't know ${code(name, 40)}.`);
  }
  try {
    return await subcommand.run(args, invocation, deps);
  } catch (error) {
    deps.logger.error(
      { err: { message: (error as Error)?.message }, subcommand: name },
      "slash command failed",
    );
    return { text: `Sorry, \`/peeker ${name.toLowerCase()}\` failed. ${errorInWords(error)}.` };
  }
}

/** Longest answer text: `/peeker history` writes up to 3500 characters. */
const TEXT_MAX = 4000;

/** Slack's limit per message; the share button takes one. */
const MAX_BLOCKS = 50;

/** The answer as Slack message fields; a shareable one ends with *Share in channel* (its value: what to re-run). */
export function render(answer: SlashAnswer, commandText: string | undefined) {
  const share = answer.shareable && commandText !== undefined && commandText.trim().length <= 2000;
  // The fallback is cut too: a Peeker name can be any length, and Slack refuses text over 40,000 (msg_too_long).
  const text = cutMrkdwn(answer.text, TEXT_MAX);
  if (!answer.blocks && !share) return { text };
  // Within one message's limits whatever the data (views/fit.ts); the share button takes one block.
  const blocks: types.KnownBlock[] = answer.blocks
    ? fitBlocks(answer.blocks, "narrow the lookup", MAX_BLOCKS - (share ? 1 : 0))
    : [{ type: "section", text: { type: "mrkdwn", text: fitLines(text.split("\n"), 3000) } }];
  if (share) {
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: ACTION_IDS.share,
          text: { type: "plain_text", text: "Share in channel", emoji: true },
          value: commandText.trim(),
        },
      ],
    });
  }
  return { text, blocks };
}
