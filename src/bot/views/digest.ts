import type { types } from "@slack/bolt";
import type { DigestData } from "../../pending/digest.js";
import type { QueueItem } from "../../pending/open-actions.js";
import { andMore, clip, code, formatDuration, link, mention, takeWithRest } from "./format.js";
import { reasonLabel } from "./reasons.js";

type KnownBlock = types.KnownBlock;

export const DIGEST_EVENT_TYPE = "peeker_digest";

export interface RenderedDigest {
  text: string;
  blocks: KnownBlock[];
  metadata: { event_type: typeof DIGEST_EVENT_TYPE; event_payload: { slot: string; open: number } };
}

export interface DigestViewInput {
  data: DigestData;
  /** The cron slot (or `manual:<minute>`), carried in the metadata so a duplicate is easy to spot. */
  slot: string;
  /** Card permalinks by pending action id, where Slack gave one. */
  permalinks: ReadonlyMap<string, string>;
}

/**
 * Per-part budgets: at most ~9 blocks and well under 12k characters whatever the queue (design: "within Block
 * Kit limits however large"). Each list is cut with "and N more"; every section stays below its 3000.
 */
const BUDGET = {
  reasons: 10,
  oldest: 10,
  breaches: 5,
  resolvers: 10,
  line: 280,
  link: 150,
  reason: 60,
  id: 60,
  customer: 60,
} as const;

/** The daily digest message. Pure: the same data renders the same message. */
export function renderDigest(input: DigestViewInput): RenderedDigest {
  const { data } = input;
  const metadata = {
    event_type: DIGEST_EVENT_TYPE,
    event_payload: { slot: input.slot, open: data.open.total },
  } as const;
  if (data.open.total === 0) {
    // A calm one-liner: nothing waits on the team, so nothing else is worth a notification's attention.
    const text = `:white_check_mark: Nothing is waiting on us: the Peeker queue is empty.${resolvedTail(data)}`;
    return { text, blocks: [section(text)], metadata };
  }

  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: `Peeker queue: ${data.open.total} open ${data.open.total === 1 ? "action" : "actions"}`,
        emoji: true,
      },
    },
    section(["*Open by reason*", ...reasonLines(data.open.byReason)].join("\n")),
    section(
      [
        "*Oldest*",
        ...itemLines(data.oldest, data.now, input.permalinks, BUDGET.oldest, data.open.total),
      ].join("\n"),
    ),
  ];
  if (data.breaches.total > 0) {
    const { shown, rest } = takeWithRest(data.breaches.byReason, 5);
    const byReason = shown.map((r) => `${clip(reasonLabel(r.reason), BUDGET.reason)} ${r.count}`);
    if (rest > 0) byReason.push(andMore(rest));
    const title = `*Past their SLA: ${data.breaches.total}* (${byReason.join(", ")})`;
    blocks.push(
      section(
        [
          title,
          ...itemLines(
            data.breaches.oldest,
            data.now,
            input.permalinks,
            BUDGET.breaches,
            data.breaches.total,
          ),
        ].join("\n"),
      ),
    );
  } else {
    blocks.push(section("*Past their SLA:* none"));
  }
  blocks.push(section(resolvedSection(data)));
  blocks.push({
    type: "context",
    elements: [
      { type: "mrkdwn", text: `\`/peeker pending\` lists the whole queue · the App Home keeps it live` },
    ],
  });
  const text = `Peeker queue: ${data.open.total} open, ${data.breaches.total} past their SLA, ${data.resolved.total} resolved ${sinceWords(data)}`;
  return { text, blocks, metadata };
}

function reasonLines(byReason: DigestData["open"]["byReason"]): string[] {
  const sorted = [...byReason].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const { shown, rest } = takeWithRest(sorted, BUDGET.reasons);
  const lines = shown.map((r) => `• ${clip(reasonLabel(r.reason), BUDGET.reason)}: *${r.count}*`);
  if (rest > 0) lines.push(`• _${andMore(rest)} reasons_`);
  return lines;
}

/** One line per action: reason (linked to its card), the resource, the customer, how long, who has it. */
export function itemLine(item: QueueItem, now: Date, permalink: string | undefined): string {
  const label = clip(reasonLabel(item.reason), BUDGET.reason);
  // An odd, very long permalink is dropped rather than cut: a cut link is a broken link.
  const title = link(permalink, label, BUDGET.link);
  const resource = item.orderId ?? item.importId ?? item.swapId ?? item.domain ?? item.domainId;
  const customer = item.customerEmail ?? item.userId;
  const waited = `waiting ${formatDuration(now.getTime() - item.openedAt.getTime())}`;
  const claim = item.claimedBy ? `claimed by ${mention(item.claimedBy)}` : "unclaimed";
  const full = [
    title,
    resource ? code(resource, BUDGET.id) : "",
    customer ? clip(customer, BUDGET.customer) : "",
    waited,
    claim,
  ];
  for (const parts of [full, [title, waited, claim], [title]]) {
    const line = `• ${parts.filter((p) => p !== "").join(" · ")}`;
    if (line.length <= BUDGET.line) return line;
  }
  return `• ${label}`;
}

function itemLines(
  items: QueueItem[],
  now: Date,
  permalinks: ReadonlyMap<string, string>,
  max: number,
  total: number,
): string[] {
  const lines = items.slice(0, max).map((item) => itemLine(item, now, permalinks.get(item.id)));
  const rest = total - Math.min(items.length, max);
  if (rest > 0) lines.push(`_${andMore(rest)}_`);
  return lines;
}

function resolvedSection(data: DigestData): string {
  const { resolved } = data;
  if (resolved.total === 0) return `*Resolved ${sinceWords(data)}:* none`;
  const { shown, rest } = takeWithRest(resolved.byWhom, BUDGET.resolvers);
  const who = shown.map((w) => `${w.by === "system" ? "Peeker / outside Slack" : mention(w.by)} ${w.count}`);
  if (rest > 0) who.push(andMore(rest));
  const lines = [`*Resolved ${sinceWords(data)}: ${resolved.total}*`, `By ${who.join(", ")}`];
  const times = timeToResolve(data);
  if (times) lines.push(times);
  return lines.join("\n");
}

function timeToResolve(data: DigestData): string | undefined {
  const { medianMs, p90Ms } = data.resolved;
  if (medianMs === undefined || p90Ms === undefined) return undefined;
  return `Time to resolve: median ${formatDuration(medianMs)}, 90th percentile ${formatDuration(p90Ms)}`;
}

function resolvedTail(data: DigestData): string {
  const { resolved } = data;
  if (resolved.total === 0) return "";
  const times =
    data.resolved.medianMs !== undefined ? ` (median ${formatDuration(data.resolved.medianMs)})` : "";
  return ` ${resolved.total} resolved ${sinceWords(data)}${times}.`;
}

function sinceWords(data: DigestData): string {
  return data.sinceKind === "previous_digest" ? "since the previous digest" : "in the last 24 h";
}

function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}
