import type { SlackCardRow } from "../../db/schema.js";
import { markCardPosting, markCardRetry } from "../../db/slack-cards.repository.js";
import { findPostedCard } from "./lost-answer-lookup.js";
import type { Outcome, SendDeps } from "./slack-call.js";
import type { SlackPoster } from "./slack-poster.js";

/**
 * Sends one card render: edits the card in place once it has a ts, posts it otherwise. The card is `posting`
 * (committed) before the post, so after a crash or a lost answer the next attempt looks it up by its metadata
 * and adopts it rather than posting a second card. The outcome's `sent` is marked by the pacing statement.
 */
export async function sendCard(
  deps: SendDeps & { slack: Pick<SlackPoster, "postMessage" | "update" | "history"> },
  channel: string,
  card: SlackCardRow,
  cardKey: string,
): Promise<Outcome> {
  const { db, slack, call, metrics } = deps;
  const message = {
    channel,
    text: card.desired_text,
    blocks: card.desired_blocks,
    metadata: card.desired_metadata,
  };
  if (card.ts) {
    const ts = card.ts;
    const { outcome } = await call("chat.update", () => slack.update({ ...message, ts }));
    if (outcome.kind !== "ok") return outcome;
    metrics.cards.inc({ action: "edited" });
    return { kind: "ok", sent: { kind: "card", id: card.pending_action_id, ts, hash: card.desired_hash } };
  }
  if (card.state === "posting") {
    const lookup = await findPostedCard(deps, channel, card, cardKey);
    // Without an answer we cannot know whether the card exists: never post blind.
    if (lookup.kind === "unanswered") return lookup.outcome;
    if (lookup.found) {
      // Found: adopt it. Its content is unknown, so the next pass edits it to the desired render.
      deps.logger.info({ cardKey, ts: lookup.found }, "earlier post found by metadata; not posting again");
      return { kind: "ok", sent: { kind: "card", id: card.pending_action_id, ts: lookup.found, hash: null } };
    }
  }
  await markCardPosting(db, card.pending_action_id);
  const { value, outcome } = await call("chat.postMessage", () =>
    slack.postMessage({ ...message, unfurl_links: false, unfurl_media: false }),
  );
  if (outcome.kind === "ok" && value?.ts) {
    metrics.cards.inc({ action: "posted" });
    return {
      kind: "ok",
      sent: { kind: "card", id: card.pending_action_id, ts: value.ts, hash: card.desired_hash },
    };
  }
  // A 429 means Slack did not post it: no lookup needed next time.
  if (outcome.kind === "rate_limited") {
    await markCardRetry(db, card.pending_action_id, {
      delayMs: 0,
      error: "rate limited",
      outcomeKnown: true,
      countAttempt: false,
    });
  }
  return outcome;
}
