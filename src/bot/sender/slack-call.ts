import { ErrorCode } from "@slack/web-api";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.js";
import type { SentMark } from "../../db/slack-channels.repository.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";

/**
 * One Slack call of the sender, counted in the metrics and turned into an outcome the drain loop acts on: sent,
 * rate limited (wait for this channel only), or failed — with whether Slack's answer says the call did not take
 * effect (`outcomeKnown`), or a lookup must come before anything is posted again.
 */

/** `sent`: what to mark sent, in the same statement as the channel's pacing (src/db/slack-channels.repository.ts). */
export type Outcome =
  | { kind: "ok"; sent?: SentMark }
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "failed"; error: string; outcomeKnown: boolean; notFound?: boolean };

export type SlackCall = <T>(
  method: string,
  run: () => Promise<T>,
) => Promise<{ value?: T; outcome: Outcome }>;

/** What every item sender needs besides its Slack calls. */
export interface SendDeps {
  db: Kysely<Database>;
  call: SlackCall;
  logger: Logger;
  metrics: Metrics;
}

export function createSlackCall(metrics: Metrics): SlackCall {
  return async (method, run) => {
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
}

/** A lookup that got no answer: whether the message exists is unknown, so it must never be posted blind. */
export function lookupFailed(outcome: Exclude<Outcome, { kind: "ok" }>): Outcome {
  return outcome.kind === "failed" ? { ...outcome, outcomeKnown: false } : outcome;
}

export function classify(error: unknown): Outcome {
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
