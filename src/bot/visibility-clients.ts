import { WebClient } from "@slack/web-api";
import type { Config } from "../config.js";
import type { DigestSlack } from "../jobs/digest.js";
import type { Logger } from "../logger.js";
import { INTERACTIVE_CLIENT_OPTIONS } from "./app.js";
import { boltLogger } from "./bolt-logger.js";
import type { HomeView } from "./views/home.js";

/**
 * Slack clients of the digest, the App Home and permalinks. Each fails fast on 429 (design §10: a WebClient that
 * waits out a 429 pauses every call it carries), so none of them can stall another, nor the interactive client.
 */

export type PermalinkLookup = (channel: string, ts: string) => Promise<string | undefined>;

/** `chat.getPermalink`, cached: a message's permalink never changes, and the Home asks for the same ones often. */
export function createPermalinkLookup(config: Config, logger: Logger, max = 5000): PermalinkLookup {
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
export function createDigestSlack(config: Config, logger: Logger, permalink: PermalinkLookup): DigestSlack {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger: boltLogger(logger, "slack-digest"),
  });
  return {
    getPermalink: permalink,
    postMessage: async (args) => {
      const result = await client.chat.postMessage(args as never);
      return { ts: result.ts };
    },
  };
}

export function createHomePublisher(
  config: Config,
  logger: Logger,
): (userId: string, view: HomeView) => Promise<void> {
  const client = new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger, "slack-home"),
    ...INTERACTIVE_CLIENT_OPTIONS,
  });
  return async (userId, view) => {
    await client.views.publish({ user_id: userId, view: view as never });
  };
}
