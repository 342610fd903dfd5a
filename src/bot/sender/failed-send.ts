import type { Random } from "../../clock.js";
import { markCardRetry } from "../../db/slack-cards.repository.js";
import type { OutboxItem } from "../../db/slack-outbox.repository.js";
import { markLineRetry } from "../../db/thread-lines.repository.js";
import type { Outcome, SendDeps } from "./slack-call.js";

/**
 * Schedules the next attempt of a card or line Slack did not take, backing off with jitter. An unknown outcome
 * leaves it `posting`/`sending`, so that attempt looks it up first (src/bot/sender/lost-answer-lookup.ts).
 */
export async function recordFailedSend(
  deps: Pick<SendDeps, "db" | "logger"> & { random: Random },
  item: OutboxItem,
  outcome: Extract<Outcome, { kind: "failed" }>,
): Promise<void> {
  const { db, logger } = deps;
  const attempts = item.kind === "card" ? item.card.attempts : item.line.attempts;
  // Capped at 15 s: a Slack outage ends on Slack's side, and cards should follow within seconds of it.
  const delayMs = Math.min(1000 * 2 ** attempts, 15 * 1000) * (0.5 + deps.random() / 2);
  logger.warn(
    { item: item.kind, error: outcome.error, outcomeKnown: outcome.outcomeKnown, delayMs },
    "Slack send failed",
  );
  if (item.kind === "card") {
    await markCardRetry(db, item.card.pending_action_id, {
      delayMs,
      error: outcome.error,
      outcomeKnown: outcome.outcomeKnown,
      countAttempt: true,
      // Someone deleted the card: post it again rather than editing nothing forever.
      forgetTs: outcome.notFound === true,
    });
  } else {
    await markLineRetry(db, item.line.id, {
      delayMs,
      error: outcome.error,
      outcomeKnown: outcome.outcomeKnown,
      countAttempt: true,
    });
  }
}
