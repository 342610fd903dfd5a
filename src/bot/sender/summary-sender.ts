import type { BacklogGuard, DesiredSummary } from "./backlog-guard.js";
import { findPostedSummary } from "./lost-answer-lookup.js";
import type { Outcome, SlackCall } from "./slack-call.js";
import type { SlackPoster } from "./slack-poster.js";

/**
 * Posts or edits the channel's one backlog summary (design §5), and records what Slack shows. Before a first
 * post it looks for one whose answer never arrived, and edits that rather than post a second summary.
 */
export async function sendSummary(
  deps: {
    slack: Pick<SlackPoster, "postMessage" | "update" | "history">;
    call: SlackCall;
    backlog: Pick<BacklogGuard, "recordSummary">;
  },
  channel: string,
  summary: DesiredSummary,
): Promise<Outcome> {
  const { slack, call, backlog } = deps;
  const { rendered, hash } = summary;
  const message = { channel, text: rendered.text, blocks: rendered.blocks, metadata: rendered.metadata };
  let ts = summary.ts;
  if (!ts) {
    const lookup = await findPostedSummary(deps, channel);
    if (lookup.kind === "unanswered") return lookup.outcome;
    ts = lookup.found ?? null;
  }
  if (ts) {
    const edited = ts;
    const { outcome } = await call("chat.update", () => slack.update({ ...message, ts: edited }));
    if (outcome.kind === "ok") await backlog.recordSummary(channel, { ts: edited, hash });
    // Someone deleted it: the next pass posts a new one.
    else if (outcome.kind === "failed" && outcome.notFound)
      await backlog.recordSummary(channel, { ts: null, hash: null });
    return outcome;
  }
  const { value, outcome } = await call("chat.postMessage", () =>
    slack.postMessage({ ...message, unfurl_links: false, unfurl_media: false }),
  );
  if (outcome.kind === "ok" && value?.ts) await backlog.recordSummary(channel, { ts: value.ts, hash });
  return outcome;
}
