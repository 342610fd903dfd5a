/** Small helpers shared by the views. All pure. The escaping rule and markup builders live in ../mrkdwn.ts. */

export {
  channelLink,
  clip,
  code,
  escapeMrkdwn,
  isSlackUserId,
  link,
  mention,
  mentionGroup,
  ourText,
  slackDate,
} from "../mrkdwn.js";

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
