/** Small mrkdwn helpers shared by the views. All pure. */

/** Slack's own escaping: without it a Peeker message or domain could inject links or `<!channel>`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SUBTEAM_ID = /^S[A-Z0-9]{2,}$/;

export function isSlackUserId(value: string): boolean {
  return USER_ID.test(value);
}

/** Longest stand-in shown for something that should have been an id but is not. */
const NOT_AN_ID_MAX = 40;

/** `<@U…>` for a real user id; anything else is shown as escaped text rather than trusted as markup. */
export function mention(userId: string): string {
  return isSlackUserId(userId) ? `<@${userId}>` : clip(userId, NOT_AN_ID_MAX);
}

/** User groups are pinged by id; a nudge never uses @channel or @here (design §3, "Nudges"). */
export function mentionGroup(groupId: string): string {
  return SUBTEAM_ID.test(groupId) ? `<!subteam^${groupId}>` : clip(groupId, NOT_AN_ID_MAX);
}

/**
 * Escapes text built by our own code but keeps the `<@U…>` and `<#C…>` mentions it is allowed to contain, so a note
 * like "Customer notified by <@U1> in <#C2>" renders while anything else stays inert. Cut to `max` escaped characters.
 */
export function clipKeepingMentions(text: string, max: number): string {
  return clip(text, max)
    .replace(/&lt;@([UW][A-Z0-9]{2,})&gt;/g, "<@$1>")
    .replace(/&lt;#([CG][A-Z0-9]{2,})&gt;/g, "<#$1>");
}

/**
 * Slack renders the date in each reader's time zone; the fallback is ISO. Unlike "opened 5 min ago" it does not
 * change every minute, so the card's hash stays stable while nothing happens.
 */
export function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/**
 * Escapes and cuts to at most `max` characters of *escaped* text, never splitting an entity such as `&amp;`
 * (escaping can grow text, and Slack's limits count what is sent).
 */
export function clip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = "";
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

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

/** Inline code of at most `max` escaped characters; a backtick inside would end the span early, so it is replaced. */
export function code(text: string, max: number): string {
  return `\`${clip(text.replace(/`/g, "'"), max)}\``;
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
