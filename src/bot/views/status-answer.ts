import type { types } from "@slack/bolt";
import type { Me } from "../../peeker/types.js";
import { ACTION_IDS } from "../action-ids.js";
import { LIST, section } from "./answer-parts.js";
import type { Answer } from "./answers.js";
import { andMore, clip, code, formatDuration, slackDate } from "./format.js";
import { healthText, reconcileText } from "./home.js";
import type { FailedEventLine, InboxHealth, JobRun, OutboxHealth } from "./view-models.js";

/**
 * The answer of `/peeker status` (pure): open actions, health (inbox, Slack outbox, a Peeker probe), the last
 * reconcile, and the failed events, each with a *Retry* button.
 */

type KnownBlock = types.KnownBlock;

/** The *Retry* listener accepts event ids of up to 200 characters (status-retry-action.ts). */
const RETRY_ID_MAX = 200;

export interface PeekerProbe {
  ok: boolean;
  ms: number;
  me?: Me;
  problem?: string;
  pausedUntil?: Date;
}

export function renderStatusAnswer(input: {
  now: Date;
  inbox: InboxHealth;
  failed: FailedEventLine[];
  outbox: OutboxHealth;
  lastReconcile: JobRun | undefined;
  peeker: PeekerProbe;
  queueTotal: number;
}): Answer {
  const { peeker } = input;
  const peekerLine = peeker.ok
    ? `• Peeker: answering (${peeker.me?.api_key.environment === "live" ? "live" : "sandbox"}, ${code(peeker.me?.api_key.permission_preset ?? "?", 20)} key) in ${peeker.ms} ms`
    : `• Peeker: :warning: ${clip(peeker.problem ?? "no answer", 300)}`;
  const paused = peeker.pausedUntil
    ? ` · calls paused until ${slackDate(peeker.pausedUntil)} after a 429`
    : "";
  const blocks: KnownBlock[] = [
    section(
      `*Peeker bot status* · ${input.queueTotal} open ${input.queueTotal === 1 ? "action" : "actions"}`,
    ),
    section(`${healthText(input)}\n${peekerLine}${paused}`),
    section(reconcileText(input.lastReconcile, input.now)),
  ];
  if (input.failed.length > 0) {
    blocks.push({ type: "divider" });
    blocks.push(section(`*Failed events (${input.inbox.failed})*: retrying puts one back in the inbox.`));
    for (const event of input.failed.slice(0, LIST.failed)) {
      blocks.push({
        type: "section",
        text: {
          type: "mrkdwn",
          text: `${code(event.eventId, 80)} ${event.type ? code(event.type, 60) : "_unknown type_"} · failed ${slackDate(event.failedAt)} after ${event.attempts} attempts\n${clip(event.lastError ?? "no error recorded", 400)}`,
        },
        // The button carries the event id; one too long for a button value (or for the listener) gets none.
        ...(event.eventId.length <= RETRY_ID_MAX
          ? {
              accessory: {
                type: "button",
                action_id: ACTION_IDS.statusRetryEvent,
                text: { type: "plain_text", text: "Retry", emoji: true },
                value: event.eventId,
              },
            }
          : {}),
      });
    }
    if (input.inbox.failed > LIST.failed)
      blocks.push(section(`_${andMore(input.inbox.failed - LIST.failed)}_`));
  }
  const text = `Status: ${input.inbox.depth} events waiting (lag ${formatDuration(input.inbox.lagSeconds * 1000)}), ${input.inbox.failed} failed, Peeker ${peeker.ok ? "answering" : "not answering"}`;
  return { text, blocks };
}
