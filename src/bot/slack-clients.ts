import { WebClient } from "@slack/web-api";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { boltLogger } from "./bolt-logger.js";
import type { SlackPoster } from "./slack-sender.js";

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
