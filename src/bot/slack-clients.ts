import { WebClient } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { boltLogger } from "./bolt-logger.js";
import type { SlackPoster } from "./slack-sender.js";
import type { HomeView } from "./views/home.js";

/**
 * Every Slack Web API client the bot makes, built here only (the composition root calls these once). Each fails
 * fast on 429 (design §10: a WebClient that waits out a 429 pauses every call it carries), so none of them can
 * stall another, nor the interactive client Bolt builds from INTERACTIVE_CLIENT_OPTIONS.
 */

/** Slack calls made while a person waits (modals, ephemeral replies) fail fast instead of queueing. */
export const INTERACTIVE_CLIENT_OPTIONS = {
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  timeout: 5000,
} as const;

export type PermalinkLookup = (channel: string, ts: string) => Promise<string | undefined>;

/** `auth.test`, which Bolt's lazy `authorize` makes (src/bot/app.ts). */
export interface SlackAuth {
  test(): Promise<{ bot_id?: string; user_id?: string; team_id?: string }>;
}

export interface SlackClients {
  auth: SlackAuth;
  /** The card sender's client (and the customer messages'). */
  sender: SlackPoster;
  /** The digest's `chat.postMessage`. */
  digest: { postMessage(args: Record<string, unknown>): Promise<{ ts?: string }> };
  /** `views.publish` of one user's App Home. */
  publishHome: (userId: string, view: HomeView) => Promise<void>;
  permalink: PermalinkLookup;
}

export function createSlackClients(config: Config, logger: Logger): SlackClients {
  return {
    auth: createAuthClient(config, logger),
    sender: createSenderClient(config, logger),
    digest: createDigestClient(config, logger),
    publishHome: createHomePublisher(config, logger),
    permalink: createPermalinkLookup(config, logger),
  };
}

/**
 * The card sender's own WebClient (design §10): a 429 must fail the call at once (the sender waits for that
 * channel only), with no built-in retries and a timeout, so card traffic never stalls interactive calls.
 */
export function createSenderClient(config: Config, logger: Logger): SlackPoster {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger: boltLogger(logger, "slack-sender"),
  });
  return {
    postMessage: (args) => client.chat.postMessage(args as never),
    update: (args) => client.chat.update(args as never),
    history: (args) => client.conversations.history(args),
    replies: (args) => client.conversations.replies(args),
  };
}

function createAuthClient(config: Config, logger: Logger): SlackAuth {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger, "slack-auth"),
    ...INTERACTIVE_CLIENT_OPTIONS,
  });
  return { test: () => client.auth.test() };
}

/** `chat.getPermalink`, cached: a message's permalink never changes, and the Home asks for the same ones often. */
function createPermalinkLookup(config: Config, logger: Logger, max = 5000): PermalinkLookup {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger, "slack-permalinks"),
    ...INTERACTIVE_CLIENT_OPTIONS,
  });
  const cache = new Map<string, string>();
  return async (channel, ts) => {
    const key = `${channel}/${ts}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const result = await client.chat.getPermalink({ channel, message_ts: ts }).catch(() => undefined);
    const link = result?.permalink;
    if (!link) return undefined;
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(key, link);
    return link;
  };
}

/** The digest's own client: no built-in retry (the digest waits Retry-After itself) and a timeout. */
function createDigestClient(config: Config, logger: Logger): SlackClients["digest"] {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger: boltLogger(logger, "slack-digest"),
  });
  return {
    postMessage: async (args) => {
      const result = await client.chat.postMessage(args as never);
      return { ts: result.ts };
    },
  };
}

function createHomePublisher(config: Config, logger: Logger): SlackClients["publishHome"] {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger, "slack-home"),
    ...INTERACTIVE_CLIENT_OPTIONS,
  });
  return async (userId, view) => {
    await client.views.publish({ user_id: userId, view: view as never });
  };
}

/** `npm run doctor`'s client for one token: one try, a short timeout, so a check answers in words quickly. */
export function createCheckClient(config: Config, token: string, timeoutMs: number): WebClient {
  return new WebClient(token, {
    slackApiUrl: config.slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
  });
}
