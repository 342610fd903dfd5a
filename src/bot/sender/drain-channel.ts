import type { Kysely } from "kysely";
import type { Random } from "../../clock.js";
import type { Database } from "../../db/schema.js";
import { nextOutboxItems, type OutboxItem } from "../../db/slack-outbox.repository.js";
import type { BacklogGuard, DesiredSummary } from "./backlog-guard.js";
import { type BacklogTurn, startBacklogTurn } from "./backlog-turn.js";
import { sendCard } from "./card-sender.js";
import { type PacingOptions, takeChannel } from "./channel-lease.js";
import { recordFailedSend } from "./failed-send.js";
import type { Outcome, SendDeps } from "./slack-call.js";
import type { SlackPoster } from "./slack-poster.js";
import { sendSummary } from "./summary-sender.js";
import { sendLine } from "./thread-line-sender.js";

/**
 * One channel's turn (design §5 "Slack sending"): under the channel's lease, the backlog summary when it is due,
 * then the channel's due cards and thread lines oldest first, each paced after the one before, until nothing is
 * due, the sender stops, the lease is lost or `maxSends` went out (so other replicas get a turn).
 */

/** Outbox items fetched per query: few enough that a render changed meanwhile is rarely the one sent. */
export const OUTBOX_FETCH = 10;

export interface DrainDeps extends SendDeps {
  slack: Pick<SlackPoster, "postMessage" | "update" | "history" | "replies">;
  pacing: PacingOptions;
  /** Most sends per lease. */
  maxSends: number;
  random: Random;
  /** Unset: no backlog guard. */
  backlog?: BacklogGuard;
}

type Step =
  | { kind: "summary"; summary: DesiredSummary }
  | { kind: "item"; item: OutboxItem }
  | { kind: "skip" };

/** Works the channel's outbox while it holds the lease; answers how many messages it sent (or tried to). */
export async function drainChannel(
  deps: DrainDeps,
  channel: string,
  stopping: () => boolean,
): Promise<number> {
  const turn = await takeChannel(deps.db, channel, deps.pacing);
  if (!turn) return 0;
  const backlog = startBacklogTurn(deps.backlog, channel);
  const batch = createBatch(deps.db, channel);
  let sent = 0;
  try {
    while (!stopping() && sent < deps.maxSends) {
      if (!(await turn.ready())) break;
      const step = await nextStep(backlog, batch);
      if (!step) break;
      if (step.kind === "skip") continue;
      const outcome =
        step.kind === "summary"
          ? await sendSummaryStep(deps, channel, step.summary, backlog)
          : await sendItem(deps, channel, step.item, backlog);
      sent++;
      await reportOutcome(deps, channel, outcome, step.kind === "item" ? step.item : undefined);
      if (!(await turn.afterSend(outcome))) break;
    }
  } finally {
    await turn.release();
  }
  return sent;
}

/** What to send next; undefined when nothing is due. */
async function nextStep(backlog: BacklogTurn, batch: Batch): Promise<Step | undefined> {
  if (await backlog.rebalanceIfDue()) batch.drop();
  const summary = await backlog.dueSummary();
  if (summary) return { kind: "summary", summary };
  const item = await batch.next();
  if (!item) return undefined;
  const admission = await backlog.admit(item);
  if (admission === "held") batch.drop();
  return admission === "send" ? { kind: "item", item } : { kind: "skip" };
}

async function sendSummaryStep(
  deps: DrainDeps,
  channel: string,
  summary: DesiredSummary,
  backlog: BacklogTurn,
): Promise<Outcome> {
  if (!deps.backlog) return { kind: "ok" };
  const outcome = await sendSummary({ ...deps, backlog: deps.backlog }, channel, summary);
  backlog.summarySent(outcome);
  if (outcome.kind === "failed")
    deps.logger.warn({ channel, error: outcome.error }, "backlog summary not sent; trying again later");
  return outcome;
}

async function sendItem(deps: DrainDeps, channel: string, item: OutboxItem, backlog: BacklogTurn) {
  const outcome =
    item.kind === "card"
      ? await sendCard(deps, channel, item.card, item.cardKey)
      : await sendLine(deps, channel, item);
  backlog.itemSent(item);
  return outcome;
}

async function reportOutcome(
  deps: DrainDeps,
  channel: string,
  outcome: Outcome,
  item: OutboxItem | undefined,
) {
  if (outcome.kind === "rate_limited") {
    deps.logger.warn(
      { channel, retryAfterMs: outcome.retryAfterMs },
      "Slack rate limit; waiting for this channel only",
    );
  } else if (outcome.kind === "failed" && item) {
    await recordFailedSend(deps, item, outcome);
  }
}

interface Batch {
  next(): Promise<OutboxItem | undefined>;
  drop(): void;
}

/**
 * Due items fetched a few at a time (one query per batch). Dropped whenever the backlog guard moves cards (a
 * fetched card may be held now), so only the guard's current picture is ever sent.
 */
function createBatch(db: Kysely<Database>, channel: string): Batch {
  let fetched: OutboxItem[] = [];
  return {
    async next() {
      if (fetched.length === 0) fetched = await nextOutboxItems(db, channel, OUTBOX_FETCH);
      return fetched.shift();
    },
    drop() {
      fetched = [];
    },
  };
}
