import { ErrorCode } from "@slack/web-api";
import type { Kysely } from "kysely";
import {
  type CustomerMessageRow,
  markCustomerMessageRetry,
  markCustomerMessageSent,
  takeDueCustomerMessage,
} from "../db/customer-messages.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { SlackPoster } from "./slack-sender.js";

/**
 * Messages to customers (the *Send nameservers…* submit), sent after the commit that recorded them (design §6:
 * at most once per submit). A row is marked `sending` before the call; if that attempt's outcome is unknown
 * (timeout, 5xx, a crash), the next attempt first looks for the message in the channel by its metadata and
 * posts only when it is not there. Run by the Slack sender's tick (src/bot/slack-sender.ts `extraTick`).
 */

export const CUSTOMER_MESSAGE_EVENT_TYPE = "peeker_customer_message";

const LEASE_SECONDS = 30;

export function createCustomerMessageSender(options: {
  db: Kysely<Database>;
  slack: Pick<SlackPoster, "postMessage" | "history">;
  logger: Logger;
}) {
  const { db, slack, logger } = options;

  const alreadyPosted = async (message: CustomerMessageRow): Promise<string | undefined> => {
    const history = await slack.history({ channel: message.channel, limit: 200, include_all_metadata: true });
    return history.messages?.find(
      (m) =>
        m.metadata?.event_type === CUSTOMER_MESSAGE_EVENT_TYPE &&
        String(m.metadata.event_payload?.message_id) === String(message.id),
    )?.ts;
  };

  const sendOne = async (message: CustomerMessageRow): Promise<void> => {
    try {
      // An earlier attempt may have posted it: never post blind.
      const found = message.state === "sending" ? await alreadyPosted(message) : undefined;
      if (found) {
        await markCustomerMessageSent(db, message.id, found);
        logger.info({ messageId: message.id }, "customer message found in the channel; not posting again");
        return;
      }
      const answer = await slack.postMessage({
        channel: message.channel,
        text: message.text,
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: CUSTOMER_MESSAGE_EVENT_TYPE, event_payload: { message_id: message.id } },
      });
      await markCustomerMessageSent(db, message.id, answer.ts ?? null);
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      const slackSaid =
        e?.code === ErrorCode.PlatformError && !/^(fatal|internal)_error$/.test(e.data?.error ?? "");
      const limited = e?.code === ErrorCode.RateLimitedError;
      const delayMs = limited
        ? Math.max(1, e.retryAfter ?? 1) * 1000
        : Math.min(1000 * 2 ** message.attempts, 15_000);
      logger.warn(
        { messageId: message.id, error: e?.data?.error ?? (error as Error)?.message, delayMs },
        "customer message not sent; trying again later",
      );
      await markCustomerMessageRetry(db, message.id, {
        delayMs,
        error: e?.data?.error ?? (error as Error)?.message ?? "request failed",
        known: slackSaid || limited,
      });
    }
  };

  return {
    /** Sends every due customer message; resolves true when it sent something. */
    async tick(): Promise<boolean> {
      let sent = false;
      for (let i = 0; i < 20; i++) {
        const message = await takeDueCustomerMessage(db, LEASE_SECONDS);
        if (!message) break;
        await sendOne(message);
        sent = true;
      }
      return sent;
    },
  };
}
