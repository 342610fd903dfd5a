import { INPUT_ACTION_IDS } from "../action-ids.js";
import type { KnownBlock } from "./modals.js";
import { plain } from "./modals.js";

/**
 * Long persona lists in the *Fix picture & reorder…* modal. The first personas get one URL input each; the rest
 * are grouped, `BULK_GROUP` to a multiline input where each line is "<persona number> <url>". A group's block id
 * names its personas (`picture_urls:20,21,…`), so the submit knows whose URL is missing without trusting the text.
 * Sizes keep every modal under Slack's 100 blocks, 3000-character inputs and 255-character block ids.
 */

/**
 * Personas shown with an input of their own. Peeker orders hold up to 10 personas (reference §3 `POST /orders`):
 * the first 8 get inputs, so the form stays short, and the rest (or any number Peeker ever sends) go in bulk.
 */
export const ONE_BY_ONE = 8;
/** Personas per bulk input: 25 lines of "<n> <url>" fit its 3000 characters with 115-character URLs. */
export const BULK_GROUP = 25;
/** Bulk inputs at most; personas beyond are left for a second reorder (and said so). */
export const BULK_INPUTS_MAX = 20;
const BULK_MAX_LENGTH = 3000;
const HINT_MAX = 2000;
const PREFIX = "picture_urls:";

export interface BulkPersona {
  index: number;
  name: string;
}

export function bulkBlockId(personas: readonly BulkPersona[]): string {
  return `${PREFIX}${personas.map((p) => p.index).join(",")}`;
}

/** The persona indexes a bulk block id names, or undefined when it is not one. */
export function parseBulkBlockId(blockId: string): number[] | undefined {
  if (!blockId.startsWith(PREFIX)) return undefined;
  const parts = blockId.slice(PREFIX.length).split(",");
  if (parts.length === 0 || parts.length > BULK_GROUP || !parts.every((p) => /^\d{1,4}$/.test(p)))
    return undefined;
  return parts.map(Number);
}

/** The persona number people type: its position in the order, from 1. */
const numberOf = (index: number) => index + 1;

/**
 * "<n> <url>" lines → URL by persona index. Every persona the block names gets an entry ("" when its line is
 * missing, so the domain asks for it); a line for a persona the block does not name is ignored.
 */
export function parseBulkLines(indexes: readonly number[], text: string): Map<number, string> {
  const typed = new Map<number, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*#?(\d{1,4})[\s:.)-]+(\S+)\s*$/.exec(line);
    if (match) typed.set(Number(match[1]) - 1, match[2] ?? "");
  }
  return new Map(indexes.map((index) => [index, typed.get(index) ?? ""]));
}

/** What the input shows again after a late failure: whole lines only, within its max_length. */
function initialLines(
  personas: readonly BulkPersona[],
  urls: ReadonlyMap<number, string> | undefined,
): string {
  let out = "";
  for (const p of personas) {
    const url = urls?.get(p.index);
    if (!url) continue;
    const line = `${numberOf(p.index)} ${url}`;
    const next = out ? `${out}\n${line}` : line;
    if (next.length > BULK_MAX_LENGTH) break;
    out = next;
  }
  return out;
}

export function bulkInput(
  personas: readonly BulkPersona[],
  urls: ReadonlyMap<number, string> | undefined,
): KnownBlock {
  const first = personas[0];
  const last = personas[personas.length - 1];
  const range = first && last ? `${numberOf(first.index)}–${numberOf(last.index)}` : "";
  const who = personas.map((p) => `${numberOf(p.index)} ${p.name}`).join(" · ");
  const initial = initialLines(personas, urls);
  return {
    type: "input",
    block_id: bulkBlockId(personas),
    label: plain(`New picture URLs for personas ${range}`),
    element: {
      type: "plain_text_input",
      action_id: INPUT_ACTION_IDS.pictureUrls,
      multiline: true,
      max_length: BULK_MAX_LENGTH,
      placeholder: plain(
        `One line each: ${first ? numberOf(first.index) : 1} https://cdn.example.com/photo.jpg`,
        150,
      ),
      ...(initial ? { initial_value: initial } : {}),
    },
    hint: plain(`One "<number> <https URL>" line per persona: ${who}`, HINT_MAX),
  };
}

/**
 * Field errors keyed by a persona's own block (`picture_url:<i>`) that has no block in the form are moved to the
 * bulk input naming that persona, prefixed with its number; Slack refuses errors for blocks a view lacks.
 */
export function errorsOnBulk(
  errors: Record<string, string>,
  bulkBlocks: readonly string[],
  ownBlockOf: (index: number) => string,
): Record<string, string> {
  const out = { ...errors };
  for (const blockId of bulkBlocks) {
    for (const index of parseBulkBlockId(blockId) ?? []) {
      const own = ownBlockOf(index);
      const message = out[own];
      if (message === undefined) continue;
      delete out[own];
      const line = `${numberOf(index)}: ${message}`;
      out[blockId] = out[blockId] ? `${out[blockId]} ${line}` : line;
    }
  }
  return out;
}
