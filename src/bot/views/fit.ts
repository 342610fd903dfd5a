import type { types } from "@slack/bolt";
import { andMore } from "./format.js";

/**
 * Whole-message budgets. Slack refuses more than 50 blocks in a message (`invalid_blocks`) and, although every
 * per-field limit holds, a message whose blocks hold ~13k characters in all (`msg_blocks_too_long`, bolt-js
 * #2509); the fake (test/support/slack-fake/rules.ts) refuses above 12k, the bot stays under 10k.
 */
export const MESSAGE_BLOCKS_MAX = 50;
export const MESSAGE_TEXT_BUDGET = 10_000;

/** Characters of every `text` string in blocks: the quantity Slack's aggregate limit counts. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + textLength(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  let sum = 0;
  for (const [key, v] of Object.entries(value))
    sum += key === "text" && typeof v === "string" ? v.length : textLength(v);
  return sum;
}

/**
 * The blocks that fit a message: whole blocks from the start, within `maxBlocks` and the text budget; when some
 * are left out, a last section says how many and where to see them (`seeRest`, e.g. "`/peeker pending`").
 */
export function fitBlocks(
  blocks: readonly types.KnownBlock[],
  seeRest: string,
  maxBlocks = MESSAGE_BLOCKS_MAX,
  budget = MESSAGE_TEXT_BUDGET,
): types.KnownBlock[] {
  if (blocks.length <= maxBlocks && textLength(blocks) <= budget) return [...blocks];
  const note = (rest: number): types.KnownBlock => ({
    type: "section",
    text: { type: "mrkdwn", text: `_${andMore(rest)} blocks left out: ${seeRest}_` },
  });
  const kept: types.KnownBlock[] = [];
  let used = textLength(note(blocks.length));
  for (const block of blocks) {
    const size = textLength(block);
    if (kept.length + 1 >= maxBlocks || used + size > budget) break;
    kept.push(block);
    used += size;
  }
  return [...kept, note(blocks.length - kept.length)];
}
