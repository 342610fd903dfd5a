import type { types } from "@slack/bolt";
import type { QueueItem, ReasonCount } from "../../pending/open-actions.js";
import { ACTION_IDS } from "../action-ids.js";
import { itemLine } from "./digest.js";
import { andMore, clip, code, formatDuration, slackDate, takeWithRest } from "./format.js";
import { reasonLabel } from "./reasons.js";
import type { FailedEventLine, InboxHealth, JobRun, OutboxHealth } from "./view-models.js";

type KnownBlock = types.KnownBlock;

export interface HomeViewInput {
  now: Date;
  byReason: ReasonCount[];
  /** Oldest open actions, oldest first. */
  oldest: QueueItem[];
  /** The viewer's claimed actions, oldest first, and how many there are in all. */
  mine: QueueItem[];
  mineTotal: number;
  lastReconcile: JobRun | undefined;
  inbox: InboxHealth;
  failed: FailedEventLine[];
  outbox: OutboxHealth;
  permalinks: ReadonlyMap<string, string>;
  sandbox: boolean;
}

export interface HomeView {
  type: "home";
  blocks: KnownBlock[];
}

const SHOWN = { reasons: 12, oldest: 10, mine: 8, failed: 5 } as const;

/** The App Home tab (design §1): the queue, what the viewer holds, the last reconcile and health. Pure. */
export function renderHome(input: HomeViewInput): HomeView {
  const total = input.byReason.reduce((sum, r) => sum + r.count, 0);
  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: `${input.sandbox ? "SANDBOX · " : ""}Peeker queue: ${total} open`,
        emoji: true,
      },
    },
    {
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: ACTION_IDS.homeRefresh,
          text: { type: "plain_text", text: "Refresh", emoji: true },
          value: "home",
        },
      ],
    },
  ];
  if (total === 0) {
    blocks.push(section(":white_check_mark: Nothing is waiting on us."));
  } else {
    const { shown, rest } = takeWithRest(input.byReason, SHOWN.reasons);
    const lines = shown.map(
      (r) =>
        `• ${clip(reasonLabel(r.reason), 60)}: *${r.count}* (oldest waiting ${formatDuration(input.now.getTime() - r.oldestOpenedAt.getTime())})`,
    );
    if (rest > 0) lines.push(`• _${andMore(rest)} reasons_`);
    blocks.push(section(["*Open by reason*", ...lines].join("\n")));
    const oldest = input.oldest
      .slice(0, SHOWN.oldest)
      .map((item) => itemLine(item, input.now, input.permalinks.get(item.id)));
    if (total > oldest.length) oldest.push(`_${andMore(total - oldest.length)}: \`/peeker pending\`_`);
    blocks.push(section(["*Oldest first*", ...oldest].join("\n")));
  }

  blocks.push({ type: "divider" });
  const mine = input.mine
    .slice(0, SHOWN.mine)
    .map((item) => itemLine(item, input.now, input.permalinks.get(item.id)));
  if (input.mineTotal > mine.length) mine.push(`_${andMore(input.mineTotal - mine.length)}_`);
  blocks.push(
    section(
      [`*Claimed by me (${input.mineTotal})*`, ...(mine.length > 0 ? mine : ["_Nothing._"])].join("\n"),
    ),
  );

  blocks.push({ type: "divider" });
  blocks.push(section(reconcileText(input.lastReconcile, input.now)));
  blocks.push(section(healthText(input)));
  blocks.push({
    type: "context",
    elements: [{ type: "mrkdwn", text: `Updated ${slackDate(input.now)}` }],
  });
  return { type: "home", blocks };
}

export function reconcileText(run: JobRun | undefined, now: Date): string {
  if (!run) return "*Last reconcile:* none yet";
  const when = `${slackDate(run.started_at)} (${formatDuration(now.getTime() - run.started_at.getTime())} ago)`;
  if (run.outcome === "running") return `*Last reconcile:* running since ${when}`;
  if (run.outcome === "failed") {
    return `*Last reconcile:* :warning: failed ${when}: ${clip(run.error ?? "unknown error", 300)}`;
  }
  const counts = run.counts ?? {};
  // Drift: what Peeker had that no webhook told us, and what it had dropped without one.
  const drift = `drift: ${counts.opened ?? 0} opened, ${counts.resolved ?? 0} resolved outside Slack`;
  const others = Object.entries(counts)
    .filter(([key]) => key !== "opened" && key !== "resolved")
    .slice(0, 8)
    .map(([key, value]) => `${clip(key, 30)} ${value}`);
  return `*Last reconcile:* ${when} · ${drift}${others.length > 0 ? ` · ${others.join(", ")}` : ""}`;
}

export function healthText(input: {
  inbox: InboxHealth;
  failed: FailedEventLine[];
  outbox: OutboxHealth;
  now: Date;
}): string {
  const { inbox, outbox } = input;
  const lines = ["*Health*"];
  lines.push(
    `• Webhook inbox: ${inbox.depth} waiting, lag ${inbox.lagSeconds < 1 ? "none" : formatDuration(inbox.lagSeconds * 1000)}`,
  );
  lines.push(
    `• Failed events: ${inbox.failed}${inbox.failed > 0 ? " (retry them from `/peeker status`)" : ""}`,
  );
  for (const event of input.failed.slice(0, SHOWN.failed)) {
    lines.push(
      `   ◦ ${code(event.eventId, 60)} ${event.type ? clip(event.type, 40) : "unknown type"}: ${clip(event.lastError ?? "no error recorded", 120)}`,
    );
  }
  const slack =
    outbox.cardsWaiting === 0 && outbox.linesWaiting === 0
      ? "every card is posted"
      : `${outbox.cardsWaiting} cards and ${outbox.linesWaiting} thread lines waiting (oldest ${formatDuration(outbox.oldestWaitingSeconds * 1000)})`;
  lines.push(
    `• Slack: ${slack}${outbox.cardsHeld > 0 ? `, ${outbox.cardsHeld} held by the backlog guard` : ""}${
      outbox.failing > 0 ? `, ${outbox.failing} failing (${clip(outbox.lastError ?? "", 80)})` : ""
    }`,
  );
  return lines.join("\n");
}

function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}
