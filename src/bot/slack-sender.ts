import { ErrorCode } from "@slack/web-api";
import type { Kysely } from "kysely";
import type { Random } from "../clock.js";
import type { Database, SlackCardRow } from "../db/schema.js";
import {
  acquireChannelLease,
  afterChannelSend,
  channelsWithWork,
  markCardPosting,
  markCardRetry,
  markLineRetry,
  markLineSending,
  nextOutboxItems,
  type OutboxItem,
  releaseChannelLease,
  type SentMark,
} from "../db/slack-outbox.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { type BacklogGuard, createBacklogGuard, type DesiredSummary } from "./backlog-guard.js";
import { findMessageSince, type HistoryPage } from "./message-lookup.js";
import { BACKLOG_EVENT_TYPE } from "./views/backlog-summary.js";
import { CARD_EVENT_TYPE } from "./views/card-model.js";

/**
 * The Slack sender (design §5 "Slack sending"): works the outbox one channel at a time under that channel's
 * lease, about one message per second, latest render wins, Retry-After honoured for that channel only. A post
 * whose outcome is unknown (timeout, 5xx) is looked up by its metadata before it is ever posted again.
 */

export const THREAD_LINE_EVENT_TYPE = "peeker_thread_line";

/** Outbox items fetched per query: few enough that a render changed meanwhile is rarely the one sent. */
const OUTBOX_FETCH = 10;

/** The Slack calls the sender makes; main.ts backs it with a WebClient of its own (design §10). */
export interface SlackPoster {
  postMessage(args: Record<string, unknown>): Promise<{ ts?: string }>;
  update(args: Record<string, unknown>): Promise<unknown>;
  history(args: {
    channel: string;
    limit: number;
    include_all_metadata: boolean;
    oldest?: string;
    inclusive?: boolean;
    cursor?: string;
  }): Promise<HistoryPage>;
  replies(args: { channel: string; ts: string; limit: number; include_all_metadata: boolean }): Promise<{
    messages?: SlackMessage[];
  }>;
}

export interface SlackMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface SlackSenderOptions {
  db: Kysely<Database>;
  slack: SlackPoster;
  workerId: string;
  logger: Logger;
  metrics: Metrics;
  random?: Random;
  /**
   * Gap between two sends to a channel once Slack has rate-limited it, ms (default 1000: Slack's ~1 message/s
   * per channel). Before any 429 cards go out as fast as they come, which Slack's burst allowance absorbs.
   */
  paceMs?: number;
  /** How long a channel stays paced after its last 429, ms (default 5 min). */
  pacedForMs?: number;
  leaseSeconds?: number;
  /** Most sends per channel before the lease is given back, so other replicas get a turn. */
  maxSendsPerLease?: number;
  /** CARD_BACKLOG_LIMIT (design §5): most cards of unresolved actions out per channel; unset = no guard. */
  backlogLimit?: number;
  /** How often channels with only held cards are looked at, ms (default 5000). */
  backlogCheckMs?: number;
  /**
   * Other outboxes sent in the same loop (customer messages, src/bot/customer-message-sender.ts); `stopping`
   * says when to stop between messages.
   */
  extraTick?: (stopping: () => boolean) => Promise<boolean>;
}

/** `sent`: what to mark sent, in the same statement as the channel's pacing (src/db/slack-outbox.repository.ts). */
type Outcome =
  | { kind: "ok"; sent?: SentMark }
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "failed"; error: string; outcomeKnown: boolean; notFound?: boolean };

export function createSlackSender(options: SlackSenderOptions) {
  const { db, slack, workerId, logger, metrics } = options;
  const paceMs = options.paceMs ?? 1000;
  const pacedForMs = options.pacedForMs ?? 5 * 60 * 1000;
  const leaseSeconds = options.leaseSeconds ?? 30;
  const maxSends = options.maxSendsPerLease ?? 60;
  const random = options.random ?? Math.random;
  const backlog: BacklogGuard | undefined =
    options.backlogLimit === undefined ? undefined : createBacklogGuard(db, options.backlogLimit);
  const backlogCheckMs = options.backlogCheckMs ?? 5000;
  let lastBacklogCheck = 0;
  let stopping = false;

  const call = async <T>(method: string, run: () => Promise<T>): Promise<{ value?: T; outcome: Outcome }> => {
    try {
      const value = await run();
      metrics.slackCalls.inc({ method, outcome: "ok" });
      return { value, outcome: { kind: "ok" } };
    } catch (error) {
      const outcome = classify(error);
      metrics.slackCalls.inc({ method, outcome: outcomeLabel(outcome) });
      if (outcome.kind === "rate_limited") metrics.slackRateLimited.inc({ method });
      return { outcome };
    }
  };

  /**
   * A card already in the channel under this key (an earlier post whose answer never arrived): looked for among
   * every message since the first attempt of this series, however many (src/bot/message-lookup.ts).
   */
  const findPostedCard = async (
    channel: string,
    card: SlackCardRow,
    cardKey: string,
  ): Promise<{ ts?: string; outcome: Outcome }> => {
    let failed: Outcome | undefined;
    const found = await findMessageSince({
      channel,
      since: card.post_attempted_at ?? card.queued_at,
      matches: (m) =>
        m.metadata?.event_type === CARD_EVENT_TYPE && m.metadata.event_payload?.card_key === cardKey,
      page: async (args) => {
        const { value, outcome } = await call("conversations.history", () => slack.history(args));
        if (outcome.kind !== "ok") failed = outcome;
        return value;
      },
    });
    if (failed) return { outcome: failed };
    return found.kind === "found" ? { ts: found.ts, outcome: { kind: "ok" } } : { outcome: { kind: "ok" } };
  };

  const sendCard = async (channel: string, card: SlackCardRow, cardKey: string): Promise<Outcome> => {
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
      const { ts, outcome } = await findPostedCard(channel, card, cardKey);
      // Without an answer we cannot know whether the card exists: never post blind.
      if (outcome.kind !== "ok")
        return outcome.kind === "failed" ? { ...outcome, outcomeKnown: false } : outcome;
      if (ts) {
        // Found: adopt it. Its content is unknown, so the next pass edits it to the desired render.
        logger.info({ cardKey, ts }, "earlier post found by metadata; not posting again");
        return { kind: "ok", sent: { kind: "card", id: card.pending_action_id, ts, hash: null } };
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
  };

  const sendLine = async (channel: string, item: Extract<OutboxItem, { kind: "line" }>): Promise<Outcome> => {
    const { line, threadTs } = item;
    if (line.state === "sending") {
      const { value, outcome } = await call("conversations.replies", () =>
        slack.replies({ channel, ts: threadTs, limit: 200, include_all_metadata: true }),
      );
      // Without an answer we cannot know whether the line exists: never post it blind.
      if (outcome.kind !== "ok")
        return outcome.kind === "failed" ? { ...outcome, outcomeKnown: false } : outcome;
      const found = value?.messages?.find(
        (m) =>
          m.metadata?.event_type === THREAD_LINE_EVENT_TYPE && m.metadata.event_payload?.line_id === line.id,
      );
      if (found?.ts) return { kind: "ok", sent: { kind: "line", id: line.id, ts: found.ts } };
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
  };

  /** Posts or edits the channel's one backlog summary (looked up by metadata before a first post). */
  const sendSummary = async (channel: string, summary: DesiredSummary): Promise<Outcome> => {
    if (!backlog) return { kind: "ok" };
    const { rendered, hash } = summary;
    const message = { channel, text: rendered.text, blocks: rendered.blocks, metadata: rendered.metadata };
    let ts = summary.ts;
    if (!ts) {
      // A post whose answer never arrived may be in the channel: edit it rather than post a second summary.
      const { value, outcome } = await call("conversations.history", () =>
        slack.history({ channel, limit: 200, include_all_metadata: true }),
      );
      if (outcome.kind !== "ok") return outcome;
      ts = value?.messages?.find((m) => m.metadata?.event_type === BACKLOG_EVENT_TYPE)?.ts ?? null;
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
  };

  const drainChannel = async (channel: string): Promise<number> => {
    const lease = await acquireChannelLease(db, channel, workerId, leaseSeconds);
    if (!lease) return 0;
    let sent = 0;
    // Backlog guard (design §5): `room` is how many more cards of unresolved actions may go out. It is counted
    // under the lease, so only this sender spends it, and a card queued a moment ago cannot slip past the limit.
    // Rebalance (hold the excess, release the oldest) when the lease starts, after an edit (a resolution frees a
    // place) and whenever the room runs out; look at the summary once per lease and whenever the balance moved.
    let room = 0;
    let rebalanceDue = backlog !== undefined;
    let justRebalanced = false;
    let summaryDue = backlog !== undefined;
    let leaseRenewedAt = Date.now();
    // Due items fetched a few at a time (one query per batch). Dropped whenever the backlog guard moves cards
    // (a fetched card may be held now), so only the guard's current picture is ever sent.
    let fetched: OutboxItem[] = [];
    try {
      let nextSendAt = Date.now() + lease.waitMs;
      while (!stopping && sent < maxSends) {
        if (Date.now() - leaseRenewedAt > (leaseSeconds * 1000) / 3) {
          // Holding thousands of cards one by one sends nothing for a while: keep the lease, or stop if it is gone.
          if (!(await acquireChannelLease(db, channel, workerId, leaseSeconds))) break;
          leaseRenewedAt = Date.now();
        }
        const wait = nextSendAt - Date.now();
        if (wait > 0) {
          // A long Retry-After: give the lease back rather than sit on it; the outbox keeps the work.
          if (wait > 5000) break;
          await new Promise((r) => setTimeout(r, wait));
        }
        let outcome: Outcome;
        let item: OutboxItem | undefined;
        if (backlog && rebalanceDue) {
          rebalanceDue = false;
          justRebalanced = true;
          const balance = await backlog.rebalance(channel);
          fetched = [];
          room = balance.room;
          if (balance.changed > 0) summaryDue = true;
        }
        const summary = backlog && summaryDue ? await backlog.desiredSummary(channel) : undefined;
        summaryDue = false;
        if (summary) {
          outcome = await sendSummary(channel, summary);
          // Retried on the next pass through the loop (after the channel's wait) or the next lease.
          if (outcome.kind === "rate_limited") summaryDue = true;
          else if (outcome.kind === "failed")
            logger.warn({ channel, error: outcome.error }, "backlog summary not sent; trying again later");
        } else {
          if (fetched.length === 0) fetched = await nextOutboxItems(db, channel, OUTBOX_FETCH);
          item = fetched.shift();
          if (!item) break;
          const firstPost = item.kind === "card" && !item.card.ts && item.card.state !== "posting";
          if (backlog && firstPost && item.kind === "card" && item.actionState !== "resolved") {
            if (room <= 0 && !justRebalanced) {
              rebalanceDue = true;
              continue;
            }
            if (room <= 0) {
              // Queued after the rebalance while the channel is full: held like the rest.
              await backlog.hold(item.card.pending_action_id);
              fetched = [];
              summaryDue = true;
              continue;
            }
            room--;
          }
          outcome =
            item.kind === "card"
              ? await sendCard(channel, item.card, item.cardKey)
              : await sendLine(channel, item);
          justRebalanced = false;
          if (backlog && item.kind === "card" && item.card.ts) rebalanceDue = true;
        }
        sent++;
        if (outcome.kind === "rate_limited") {
          logger.warn(
            { channel, retryAfterMs: outcome.retryAfterMs },
            "Slack rate limit; waiting for this channel only",
          );
        } else if (outcome.kind === "failed" && item) {
          await recordFailure(item, outcome);
        }
        const retryAfterMs = outcome.kind === "rate_limited" ? outcome.retryAfterMs : undefined;
        const waitMs = await afterChannelSend(db, channel, workerId, {
          retryAfterMs,
          pacedGapMs: paceMs,
          pacedForMs,
          sent: outcome.kind === "ok" ? outcome.sent : undefined,
        });
        // The lease expired and another replica may have taken the channel: stop before sending twice.
        if (waitMs === undefined) break;
        leaseRenewedAt = Date.now();
        nextSendAt = Date.now() + waitMs;
      }
    } finally {
      await releaseChannelLease(db, channel, workerId).catch(() => {});
    }
    return sent;
  };

  const recordFailure = async (item: OutboxItem, outcome: Extract<Outcome, { kind: "failed" }>) => {
    const attempts = item.kind === "card" ? item.card.attempts : item.line.attempts;
    // Capped at 15 s: a Slack outage ends on Slack's side, and cards should follow within seconds of it.
    const delayMs = Math.min(1000 * 2 ** attempts, 15 * 1000) * (0.5 + random() / 2);
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
  };

  return {
    /** One pass over every channel with due work; resolves true when something was sent. */
    async tick(): Promise<boolean> {
      const channels = await channelsWithWork(db);
      if (backlog && Date.now() - lastBacklogCheck >= backlogCheckMs) {
        lastBacklogCheck = Date.now();
        for (const channel of await backlog.channelsToCheck())
          if (!channels.includes(channel)) channels.push(channel);
      }
      const sent = await Promise.all(channels.map((channel) => drainChannel(channel)));
      const extra = options.extraTick && !stopping ? await options.extraTick(() => stopping) : false;
      return extra || sent.some((n) => n > 0);
    },
    stop() {
      stopping = true;
    },
  };
}

function classify(error: unknown): Outcome {
  const e = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return { kind: "rate_limited", retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? "unknown_error";
      // Slack answered: the call did not take effect — except for its own internal failures, which can follow a
      // partly done call, so those are looked up before anything is posted again.
      const unknown = code === "fatal_error" || code === "internal_error";
      return { kind: "failed", error: code, outcomeKnown: !unknown, notFound: code === "message_not_found" };
    }
    case ErrorCode.HTTPError:
      // A 5xx may or may not have posted: treat as unknown and look it up before posting again.
      return { kind: "failed", error: `HTTP ${e.statusCode}`, outcomeKnown: (e.statusCode ?? 500) < 500 };
    default:
      return { kind: "failed", error: (error as Error)?.message ?? "request failed", outcomeKnown: false };
  }
}

function outcomeLabel(outcome: Outcome): string {
  if (outcome.kind === "failed") return outcome.outcomeKnown ? "error" : "unknown";
  return outcome.kind;
}
