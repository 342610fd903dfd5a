import type { types } from "@slack/bolt";
import { renderCard } from "./card.js";
import type { CardModel } from "./card-model.js";
import { textLength } from "./fit.js";
import { andMore, clip, code, fitLines, slackDate, takeWithRest } from "./format.js";
import { reasonLabel } from "./reasons.js";

/** Pieces every `/peeker` answer (./answers.ts) is built from, each within Slack's limits whatever the data. */

type KnownBlock = types.KnownBlock;

const CARDS_SHOWN = 3;
/** Characters of card text an answer carries, leaving the rest of MESSAGE_TEXT_BUDGET to the lookup itself. */
const CARDS_TEXT_BUDGET = 5000;
export const LIST = { domains: 20, groups: 5, peekerActions: 8, failed: 10, queue: 15, imports: 5 } as const;

/** Slack's section text limit; long lists are cut to it with "and N more". */
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;

export function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text: fitLines(text.split("\n"), SECTION_MAX) } };
}

/** A list section: the title, then as many lines as fit, then "and N more" naming where to see the rest. */
export function listSection(title: string, lines: string[], seeRest: string): KnownBlock {
  return section(fitLines([title, ...lines], SECTION_MAX, (rest) => `_${andMore(rest)}: ${seeRest}_`));
}

export function fields(pairs: [string, string][]): KnownBlock {
  return {
    type: "section",
    fields: pairs
      .slice(0, 10)
      .map(([label, value]) => ({ type: "mrkdwn", text: fitLines([`*${label}*`, value], FIELD_MAX) })),
  };
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "_unknown_";
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) ? clip(iso, 40) : slackDate(parsed);
}

export function status(value: string): string {
  return code(value, 40);
}

/** The tracked actions as their cards (buttons included), the first few, with a count of the rest. */
export function trackedCards(cards: CardModel[]): KnownBlock[] {
  if (cards.length === 0) return [];
  const blocks: KnownBlock[] = [
    { type: "divider" },
    section(`*Open ${cards.length === 1 ? "action" : "actions"} (${cards.length})*`),
  ];
  // Cards are large: as many as fit the budget (at most CARDS_SHOWN), so the answer stays one message.
  let used = 0;
  let shown = 0;
  for (const model of cards.slice(0, CARDS_SHOWN)) {
    const card = renderCard(model).blocks;
    if (shown > 0 && used + textLength(card) > CARDS_TEXT_BUDGET) break;
    blocks.push(...card);
    used += textLength(card);
    shown += 1;
  }
  if (cards.length > shown) blocks.push(section(`_${andMore(cards.length - shown)}: \`/peeker pending\`_`));
  return blocks;
}

export function peekerActionLines(
  actions: { reason: string; message?: string | null | undefined }[],
  max = LIST.peekerActions,
): string[] {
  const { shown, rest } = takeWithRest(actions, max);
  const lines = shown.map(
    (a) => `• ${clip(reasonLabel(a.reason), 60)}${a.message ? `: ${clip(a.message, 200)}` : ""}`,
  );
  if (rest > 0) lines.push(`_${andMore(rest)}_`);
  return lines;
}

export function resourceActions(resource: {
  status: string;
  reason?: string | null | undefined;
  message?: string | null | undefined;
  pending_actions?: { reason: string; message?: string | null | undefined }[] | null | undefined;
}): string[] {
  const listed = resource.pending_actions ?? [];
  if (listed.length > 0) return peekerActionLines(listed);
  if (resource.reason) return peekerActionLines([{ reason: resource.reason, message: resource.message }]);
  return [];
}

export function domainList(names: readonly string[]): string {
  const { shown, rest } = takeWithRest(names, LIST.domains);
  return `${shown.map((d) => code(d, 80)).join(", ")}${rest > 0 ? ` _${andMore(rest)}_` : ""}` || "_none_";
}
