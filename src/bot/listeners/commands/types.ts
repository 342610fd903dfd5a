import type { types } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";

/** One `/peeker <name> …` subcommand: parses its own arguments and answers in words (never a stack trace). */
export interface Subcommand {
  /** Shown in the help text, e.g. "order <ord_id>". */
  usage: string;
  summary: string;
  run(args: string[], invocation: Invocation, deps: ListenerDeps): Promise<SlashAnswer>;
}

export interface Invocation {
  userId: string;
  channelId: string;
  /** The raw text after `/peeker`. */
  text: string;
  triggerId: string;
  responseUrl: string;
}

/** An ephemeral answer; `shareable` adds the *Share in channel* button. */
export interface SlashAnswer {
  text: string;
  blocks?: types.KnownBlock[];
  shareable?: boolean;
}
