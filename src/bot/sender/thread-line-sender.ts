import type { OutboxItem } from "../../db/slack-outbox.repository.js";
import { markLineRetry, markLineSending } from "../../db/thread-lines.repository.js";
import { findPostedLine, THREAD_LINE_EVENT_TYPE } from "./lost-answer-lookup.js";
import type { Outcome, SendDeps } from "./slack-call.js";
import type { SlackPoster } from "./slack-poster.js";

export type LineItem = Extract<OutboxItem, { kind: "line" }>;

/**
 * Posts one line in its card's thread, quietly. The line is `sending` (committed) before the post; a line left
 * `sending` by a lost answer is looked for in the thread first. The outcome's `sent` is marked by the pacing
 * statement.
 */
export async function sendLine(
  deps: SendDeps & { slack: Pick<SlackPoster, "postMessage" | "replies"> },
  channel: string,
  item: LineItem,
): Promise<Outcome> {
  const { db, slack, call } = deps;
  const { line, threadTs } = item;
  if (line.state === "sending") {
    const lookup = await findPostedLine(deps, channel, threadTs, line.id);
    // Without an answer we cannot know whether the line exists: never post it blind.
    if (lookup.kind === "unanswered") return lookup.outcome;
    if (lookup.found) return { kind: "ok", sent: { kind: "line", id: line.id, ts: lookup.found } };
  }
  await markLineSending(db, line.id);
  const { value, outcome } = await call("chat.postMessage", () =>
    slack.postMessage({
      channel,
      thread_ts: threadTs,
      text: line.text,
      // Quiet: never broadcast to the channel (the noise users complain about most).
      reply_broadcast: false,
      unfurl_links: false,
      unfurl_media: false,
      metadata: { event_type: THREAD_LINE_EVENT_TYPE, event_payload: { line_id: line.id } },
    }),
  );
  if (outcome.kind === "ok" && value?.ts)
    return { kind: "ok", sent: { kind: "line", id: line.id, ts: value.ts } };
  if (outcome.kind === "rate_limited") {
    await markLineRetry(db, line.id, {
      delayMs: 0,
      error: "rate limited",
      outcomeKnown: true,
      countAttempt: false,
    });
  }
  return outcome;
}
