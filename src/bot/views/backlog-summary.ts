import type { types } from "@slack/bolt";
import { andMore, clip, takeWithRest } from "./format.js";
import { reasonLabel } from "./reasons.js";

export const BACKLOG_EVENT_TYPE = "peeker_backlog_summary";

export interface BacklogSummaryInput {
  /** Actions tracked but not yet posted as cards, by Peeker reason. */
  waitingByReason: Record<string, number>;
  /** CARD_BACKLOG_LIMIT: most cards waiting to post before this summary takes over. */
  limit: number;
}

export interface RenderedBacklogSummary {
  text: string;
  blocks: types.KnownBlock[];
  metadata: { event_type: typeof BACKLOG_EVENT_TYPE; event_payload: { waiting: number } };
}

const REASONS_SHOWN = 10;

/** The one message that stands in for cards held back by the backlog guard; edited in place as it drains. */
export function renderBacklogSummary(input: BacklogSummaryInput): RenderedBacklogSummary {
  const entries = Object.entries(input.waitingByReason)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  const waiting = entries.reduce((sum, [, count]) => sum + count, 0);
  const metadata = { event_type: BACKLOG_EVENT_TYPE, event_payload: { waiting } } as const;

  if (waiting === 0) {
    const text = "Backlog cleared: every pending action has its card.";
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }], metadata };
  }

  const { shown, rest } = takeWithRest(entries, REASONS_SHOWN);
  const lines = shown.map(([reason, count]) => `• ${clip(reasonLabel(reason), 80)}: *${count}*`);
  if (rest > 0) lines.push(`• _${andMore(rest)} reasons_`);
  const headline = `*${waiting} pending ${waiting === 1 ? "action is" : "actions are"} waiting for a card*`;
  const text = `${waiting} pending ${waiting === 1 ? "action is" : "actions are"} waiting for a card`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: [headline, ...lines].join("\n") } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `At most ${input.limit} cards wait to be posted at a time; more appear as earlier ones resolve. \`/peeker pending\` shows the whole queue.`,
          },
        ],
      },
    ],
    metadata,
  };
}
