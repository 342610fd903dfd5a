import { cutMrkdwn } from "../../mrkdwn.js";

/** Small helpers shared by the views. All pure. The escaping rule and markup builders live in ../../mrkdwn.ts. */

export {
  channelLink,
  clip,
  code,
  cutMrkdwn,
  escapeMrkdwn,
  isSlackUserId,
  link,
  mention,
  mentionGroup,
  ourText,
  slackDate,
} from "../../mrkdwn.js";

/** Cuts to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return "…".slice(0, Math.max(0, max));
  let out = "";
  // By code point, so a cut never leaves half a surrogate pair (Slack rejects malformed text).
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** The first `max` items, and how many were left out. */
export function takeWithRest<T>(items: readonly T[], max: number): { shown: T[]; rest: number } {
  const shown = items.slice(0, max);
  return { shown, rest: items.length - shown.length };
}

export function andMore(rest: number): string {
  return rest > 0 ? `and ${rest} more` : "";
}

/** Room kept for the "and N more" line. */
const MORE_RESERVE = 120;

/**
 * Lines joined with newlines in at most `max` characters: the lines that do not fit are counted in a last line
 * (`more`, which should say where to see the rest). A single line too long for the budget is cut safely.
 */
export function fitLines(
  lines: readonly string[],
  max: number,
  more: (rest: number) => string = (rest) => `_${andMore(rest)}_`,
): string {
  const all = lines.join("\n");
  if (all.length <= max) return all;
  const budget = max - MORE_RESERVE;
  let out = "";
  let used = 0;
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length > budget) break;
    out = next;
    used += 1;
  }
  if (used === 0 && lines[0] !== undefined) {
    out = cutMrkdwn(lines[0], budget);
    used = 1;
  }
  const rest = lines.length - used;
  return rest > 0 ? `${out}\n${cutMrkdwn(more(rest), MORE_RESERVE - 1)}` : out;
}

/** "2 h 5 min", "3 d 4 h", "12 min", "< 1 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "< 1 min";
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.floor((minutes % (24 * 60)) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}
