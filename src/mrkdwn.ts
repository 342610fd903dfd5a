/**
 * The one escaping rule for everything the bot writes in Slack's mrkdwn (section and context text, option text,
 * and every message's `text` fallback, which Slack also parses as mrkdwn):
 *
 * - Text that did not come from our own code (Peeker messages, names, domains, statuses, reasons, ids, customer
 *   text, user input echoed back) goes through `escapeMrkdwn` (or `clip` / `code`, which escape), so `&`, `<` and
 *   `>` are inert: it can never ping `<!channel>`, mention `<@U…>` or open a `<https://…|link>`.
 * - Only our own templates produce markup: `mention`, `mentionGroup`, `channelLink`, `slackDate`, `link`.
 * - Text our code composed earlier and stored (card notes) is "ours" only in the pieces our templates wrote; the
 *   writers escape every untrusted piece before storing (`escapeMrkdwn`), and `ourText` renders it keeping only
 *   user and channel mentions, re-escaping any other `<…>`.
 *
 * Cuts never split an entity (`&amp;`), a mention, or a surrogate pair (Slack refuses malformed text).
 */

/** Slack's own escaping: the three characters Slack's mrkdwn gives meaning to. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;
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

/** `<#C…>` for a real channel id; anything else as escaped text. */
export function channelLink(channelId: string): string {
  return CHANNEL_ID.test(channelId) ? `<#${channelId}>` : clip(channelId, NOT_AN_ID_MAX);
}

/**
 * Slack renders the date in each reader's time zone; the fallback is ISO. Unlike "opened 5 min ago" it does not
 * change every minute, so the card's hash stays stable while nothing happens.
 */
export function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/** A piece of mrkdwn that must stay whole: an entity, or one of the mentions `ourText` keeps. */
const ATOM = /&(?:amp|lt|gt);|<@[UW][A-Z0-9]{2,}>|<#[CG][A-Z0-9]{2,}>/y;

/** Cuts already-escaped mrkdwn to at most `max` characters, never inside an atom or a surrogate pair. */
function cutEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  if (max <= 1) return "…".slice(0, Math.max(0, max));
  let out = "";
  let i = 0;
  while (i < escaped.length) {
    ATOM.lastIndex = i;
    const atom = ATOM.exec(escaped)?.[0];
    const code = escaped.codePointAt(i) ?? 0;
    const piece = atom ?? String.fromCodePoint(code);
    if (out.length + piece.length > max - 1) break;
    out += piece;
    i += piece.length;
  }
  return `${out}…`;
}

/** Cuts mrkdwn our code built (escaped pieces, our mentions and links) without splitting an entity or mention. */
export function cutMrkdwn(text: string, max: number): string {
  return cutEscaped(text, max);
}

/**
 * Escapes and cuts to at most `max` characters of *escaped* text (escaping can grow text, and Slack's limits
 * count what is sent).
 */
export function clip(text: string, max: number): string {
  return cutEscaped(escapeMrkdwn(text), max);
}

/** Inline code of at most `max` escaped characters; a backtick inside would end the span early, so it is replaced. */
export function code(text: string, max: number): string {
  return `\`${clip(text.replace(/`/g, "'"), max)}\``;
}

/**
 * Text composed by our code and stored (a card note: "Customer notified by <@U1> in <#C2>", untrusted pieces
 * escaped by the writer). User and channel mentions stay live; any other `<`, `>` or bare `&` is escaped, so a
 * note that somehow holds `<!channel>` or a link is still inert. Cut to `max` characters.
 */
export function ourText(text: string, max: number): string {
  const safe = text
    .replace(/&(?!(?:amp|lt|gt);)/g, "&amp;")
    .replace(/<(?!@[UW][A-Z0-9]{2,}>|#[CG][A-Z0-9]{2,}>)/g, "&lt;")
    .replace(/(?<!<[@#][A-Z0-9]{2,})>/g, "&gt;");
  return cutEscaped(safe, max);
}

/**
 * A link our template builds. The URL must be one we trust the shape of (a Slack permalink): one with `|`, `<` or
 * `>` or longer than `maxUrl` is dropped rather than cut, because a cut link is a broken link.
 */
export function link(url: string | undefined, label: string, maxUrl: number): string {
  return url && url.length <= maxUrl && !/[|<>\s]/.test(url) ? `<${url}|${label}>` : label;
}
