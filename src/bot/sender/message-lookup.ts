import type { HistoryPage, HistoryPageArgs, SlackMessage } from "./slack-poster.js";

/**
 * The lookup of a post whose answer was lost (design §5 "Unknown Slack outcome", issue #10 item 6): every
 * message of the channel since the post attempt, paged with cursors to the end — bounded by time, not by count,
 * so a busy channel (hundreds of messages since) cannot hide the earlier post and get the card posted twice.
 */

/** Slack stamps `ts` with its own clock: start this much before our attempt time, for clock skew. */
export const LOOKUP_MARGIN_MS = 2 * 60 * 1000;
/** Slack recommends at most 200 messages a page for conversations.history. */
export const LOOKUP_PAGE_SIZE = 200;

/** A Slack timestamp string (`seconds.micros`) for a moment. */
export function slackTs(at: Date): string {
  const micros = Math.max(0, Math.floor(at.getTime() * 1000));
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
}

/**
 * Walks the channel's messages since `since` (minus the margin), newest first, until one matches or the pages
 * run out. `page` answers one conversations.history call, or `undefined` when that call failed (the caller has
 * recorded why): then nothing is known and the lookup answers `unknown`.
 */
export async function findMessageSince(input: {
  channel: string;
  since: Date;
  matches: (message: SlackMessage) => boolean;
  page: (args: HistoryPageArgs) => Promise<HistoryPage | undefined>;
}): Promise<{ kind: "found"; ts: string } | { kind: "absent" } | { kind: "unknown" }> {
  const oldest = slackTs(new Date(input.since.getTime() - LOOKUP_MARGIN_MS));
  let cursor: string | undefined;
  for (;;) {
    const answer = await input.page({
      channel: input.channel,
      limit: LOOKUP_PAGE_SIZE,
      include_all_metadata: true,
      oldest,
      inclusive: true,
      ...(cursor ? { cursor } : {}),
    });
    if (!answer) return { kind: "unknown" };
    const ts = answer.messages?.find(input.matches)?.ts;
    if (ts) return { kind: "found", ts };
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) return { kind: "absent" };
  }
}
