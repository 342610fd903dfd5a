import type { SlackCardRow } from "../../db/schema.js";
import { BACKLOG_EVENT_TYPE } from "../views/backlog-summary.js";
import { CARD_EVENT_TYPE } from "../views/card-model.js";
import { findMessageSince } from "./message-lookup.js";
import { lookupFailed, type Outcome, type SlackCall } from "./slack-call.js";
import type { SlackPoster } from "./slack-poster.js";

/**
 * The lost-answer lookup (design §5 "Unknown Slack outcome"): a post whose answer never arrived (timeout, 5xx, a
 * crash) may be in Slack. Before posting it again the sender looks for it by the metadata it was posted with: a
 * card among every channel message since its first attempt, a thread line among its thread's replies, the
 * backlog summary among the channel's latest messages.
 */

/** The metadata a thread line is posted with, and found by. */
export const THREAD_LINE_EVENT_TYPE = "peeker_thread_line";

/** `found`: the earlier post's ts, if any; `unanswered`: Slack did not answer, so nothing is known. */
export type Lookup = { kind: "answered"; found?: string } | { kind: "unanswered"; outcome: Outcome };

export interface LookupDeps<K extends keyof SlackPoster> {
  slack: Pick<SlackPoster, K>;
  call: SlackCall;
}

/** A card already in the channel under this key, looked for among every message since the series' first attempt. */
export async function findPostedCard(
  deps: LookupDeps<"history">,
  channel: string,
  card: SlackCardRow,
  cardKey: string,
): Promise<Lookup> {
  let failed: Outcome | undefined;
  const found = await findMessageSince({
    channel,
    since: card.post_attempted_at ?? card.queued_at,
    matches: (m) =>
      m.metadata?.event_type === CARD_EVENT_TYPE && m.metadata.event_payload?.card_key === cardKey,
    page: async (args) => {
      const { value, outcome } = await deps.call("conversations.history", () => deps.slack.history(args));
      if (outcome.kind !== "ok") failed = outcome;
      return value;
    },
  });
  if (failed && failed.kind !== "ok") return { kind: "unanswered", outcome: lookupFailed(failed) };
  return { kind: "answered", ...(found.kind === "found" ? { found: found.ts } : {}) };
}

/** A thread line already in its card's thread. */
export async function findPostedLine(
  deps: LookupDeps<"replies">,
  channel: string,
  threadTs: string,
  lineId: string,
): Promise<Lookup> {
  const { value, outcome } = await deps.call("conversations.replies", () =>
    deps.slack.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true }),
  );
  if (outcome.kind !== "ok") return { kind: "unanswered", outcome: lookupFailed(outcome) };
  const found = value?.messages?.find(
    (m) => m.metadata?.event_type === THREAD_LINE_EVENT_TYPE && m.metadata.event_payload?.line_id === lineId,
  );
  return { kind: "answered", ...(found?.ts ? { found: found.ts } : {}) };
}

/** The channel's backlog summary, when a post of it whose answer never arrived is among the latest messages. */
export async function findPostedSummary(deps: LookupDeps<"history">, channel: string): Promise<Lookup> {
  const { value, outcome } = await deps.call("conversations.history", () =>
    deps.slack.history({ channel, limit: 200, include_all_metadata: true }),
  );
  if (outcome.kind !== "ok") return { kind: "unanswered", outcome: lookupFailed(outcome) };
  const found = value?.messages?.find((m) => m.metadata?.event_type === BACKLOG_EVENT_TYPE)?.ts;
  return { kind: "answered", ...(found ? { found } : {}) };
}
