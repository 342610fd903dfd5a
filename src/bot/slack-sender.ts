import type { Kysely } from "kysely";
import type { Random } from "../clock.js";
import type { Database } from "../db/schema.js";
import { channelsWithWork } from "../db/slack-outbox.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { type BacklogGuard, createBacklogGuard } from "./sender/backlog-guard.js";
import { type DrainDeps, drainChannel } from "./sender/drain-channel.js";
import { createSlackCall } from "./sender/slack-call.js";
import type { SlackPoster } from "./sender/slack-poster.js";

/**
 * The Slack sender (design §5 "Slack sending"): works the outbox one channel at a time under that channel's
 * lease, about one message per second, latest render wins, Retry-After honoured for that channel only. A post
 * whose outcome is unknown (timeout, 5xx) is looked up by its metadata before it is ever posted again. This file
 * wires the parts in src/bot/sender/: the channel lease and pacing, the senders of cards, thread lines and the
 * backlog summary, the lost-answer lookup and the channel drain loop.
 */

export type { SlackMessage, SlackPoster } from "./sender/slack-poster.js";

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

export function createSlackSender(options: SlackSenderOptions) {
  const { db, logger, metrics } = options;
  const backlog: BacklogGuard | undefined =
    options.backlogLimit === undefined ? undefined : createBacklogGuard(db, options.backlogLimit);
  const deps: DrainDeps = {
    db,
    slack: options.slack,
    call: createSlackCall(metrics),
    logger,
    metrics,
    pacing: {
      workerId: options.workerId,
      leaseSeconds: options.leaseSeconds ?? 30,
      paceMs: options.paceMs ?? 1000,
      pacedForMs: options.pacedForMs ?? 5 * 60 * 1000,
    },
    maxSends: options.maxSendsPerLease ?? 60,
    random: options.random ?? Math.random,
    ...(backlog ? { backlog } : {}),
  };
  const backlogCheckMs = options.backlogCheckMs ?? 5000;
  // Elapsed time (performance.now()), not business time; undefined until the first look.
  let lastBacklogCheck: number | undefined;
  let stopping = false;
  const isStopping = () => stopping;

  /** Channels with due work, and every backlogCheckMs also those whose backlog may need a look. */
  const channelsToDrain = async (): Promise<string[]> => {
    const channels = await channelsWithWork(db);
    if (
      backlog &&
      (lastBacklogCheck === undefined || performance.now() - lastBacklogCheck >= backlogCheckMs)
    ) {
      lastBacklogCheck = performance.now();
      for (const channel of await backlog.channelsToCheck())
        if (!channels.includes(channel)) channels.push(channel);
    }
    return channels;
  };

  return {
    /** One pass over every channel with due work; resolves true when something was sent. */
    async tick(): Promise<boolean> {
      const channels = await channelsToDrain();
      const sent = await Promise.all(channels.map((channel) => drainChannel(deps, channel, isStopping)));
      const extra = options.extraTick && !stopping ? await options.extraTick(isStopping) : false;
      return extra || sent.some((n) => n > 0);
    },
    stop() {
      stopping = true;
    },
  };
}
