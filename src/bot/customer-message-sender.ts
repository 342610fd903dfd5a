import { ErrorCode } from "@slack/web-api";
import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import {
  type CustomerMessageRow,
  markCustomerMessageFailed,
  markCustomerMessageRetry,
  markCustomerMessageSent,
  takeDueCustomerMessage,
} from "../db/customer-messages.repository.js";
import { lockPendingAction } from "../db/pending-actions.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { CardPublisher } from "../pending/apply-snapshot.js";
import { slackProblem } from "./error-words.js";
import { findMessageSince } from "./sender/message-lookup.js";
import type { SlackPoster } from "./sender/slack-poster.js";

/**
 * Messages to customers (the *Send nameservers…* submit), sent after the commit that recorded them (design §6:
 * at most once per submit). A row is marked `sending` before the call; if that attempt's outcome is unknown
 * (timeout, 5xx, a crash), the next attempt first looks for the message in the channel by its metadata — every
 * message since the first attempt, paged (src/bot/sender/message-lookup.ts) — and posts only when it is not there.
 * When Slack refuses it for good (the bot is not in the channel, say), or refuses it `MAX_REFUSALS` times, the
 * row ends `failed` and the card's thread says, in words, that the customer did not get it and why. Run by the
 * Slack sender's tick (src/bot/slack-sender.ts `extraTick`).
 */

export const CUSTOMER_MESSAGE_EVENT_TYPE = "peeker_customer_message";

const LEASE_SECONDS = 30;
/** Slack errors no retry can fix: the channel or the message itself is the problem. */
const PERMANENT_ERRORS = new Set([
  "not_in_channel",
  "channel_not_found",
  "is_archived",
  "msg_too_long",
  "no_text",
  "restricted_action",
  "cannot_reply_to_message",
]);
/** Any other refusal Slack states (not a 5xx, not a rate limit) is tried at most this many times. */
export const MAX_REFUSALS = 5;

type CustomerSlack = Pick<SlackPoster, "postMessage" | "history">;

interface CustomerSenderDeps {
  db: Kysely<Database>;
  slack: CustomerSlack;
  publisher: Pick<CardPublisher, "threadLine">;
  logger: Logger;
}

export function createCustomerMessageSender(options: CustomerSenderDeps) {
  return {
    /** Sends due customer messages until none is due or the sender stops; resolves true when it sent one. */
    async tick(stopping: () => boolean = () => false): Promise<boolean> {
      let sent = false;
      for (let i = 0; i < 20 && !stopping(); i++) {
        const message = await takeDueCustomerMessage(options.db, LEASE_SECONDS);
        if (!message) break;
        await sendOne(options, message);
        sent = true;
      }
      return sent;
    },
  };
}

async function sendOne(deps: CustomerSenderDeps, message: CustomerMessageRow): Promise<void> {
  const { db, slack, logger } = deps;
  try {
    // An earlier attempt may have posted it: never post blind.
    const found = message.state === "sending" ? await alreadyPosted(slack, message) : undefined;
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
    await afterFailure(deps, message, error);
  }
}

/** The message's ts when an earlier attempt posted it; throws when the channel could not be read. */
async function alreadyPosted(slack: CustomerSlack, message: CustomerMessageRow): Promise<string | undefined> {
  const found = await findMessageSince({
    channel: message.channel,
    since: message.attempt_at ?? message.created_at,
    matches: (m) =>
      m.metadata?.event_type === CUSTOMER_MESSAGE_EVENT_TYPE &&
      String(m.metadata.event_payload?.message_id) === String(message.id),
    // A failed read is not Slack refusing the message: it is retried as an unknown outcome, never given up.
    page: (args) => slack.history(args).catch(() => undefined),
  });
  if (found.kind === "unknown") throw new Error("could not read the channel to look for an earlier attempt");
  return found.kind === "found" ? found.ts : undefined;
}

/** Gives up when Slack refused it for good (or too often); otherwise schedules the next attempt. */
async function afterFailure(deps: CustomerSenderDeps, message: CustomerMessageRow, error: unknown) {
  const { db, logger } = deps;
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  const code = e?.data?.error ?? "";
  const slackSaid = e?.code === ErrorCode.PlatformError && !/^(fatal|internal)_error$/.test(code);
  // `attempts` is the count before this one (takeDueCustomerMessage returns the row as it was).
  if (slackSaid && (PERMANENT_ERRORS.has(code) || message.attempts + 1 >= MAX_REFUSALS)) {
    logger.warn({ messageId: message.id, error: code }, "customer message refused by Slack; giving up");
    await giveUp(deps, message, code);
    return;
  }
  const limited = e?.code === ErrorCode.RateLimitedError;
  const delayMs = limited
    ? Math.max(1, e.retryAfter ?? 1) * 1000
    : Math.min(1000 * 2 ** message.attempts, 15_000);
  logger.warn(
    { messageId: message.id, error: code || (error as Error)?.message, delayMs },
    "customer message not sent; trying again later",
  );
  await markCustomerMessageRetry(db, message.id, {
    delayMs,
    error: code || ((error as Error)?.message ?? "request failed"),
    known: slackSaid || limited,
  });
}

/** One commit: the row `failed`, a thread line on the card in words, and the audit. */
async function giveUp(deps: CustomerSenderDeps, message: CustomerMessageRow, code: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    await markCustomerMessageFailed(trx, message.id, code);
    const card = await lockPendingAction(trx, message.pending_action_id);
    if (card) {
      await deps.publisher.threadLine(trx, card, {
        kind: "note",
        text: `The message to the customer in <#${message.channel}> could not be sent: ${slackProblem(code)}. The customer did not get it; send it again from the card.`,
      });
    }
    await appendAudit(trx, [
      {
        actor: "system",
        action: "customer.message_failed",
        pendingActionId: message.pending_action_id,
        details: { message_id: message.id, error: code, attempts: message.attempts + 1 },
      },
    ]);
  });
}
