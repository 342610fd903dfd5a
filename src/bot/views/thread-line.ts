import type { CardChange } from "../../pending/changes.js";
import { channelLink, clip, formatDuration, mention, mentionGroup, ourText } from "./format.js";

const MAX_FREE_TEXT = 500;
/** The modal's "Message" input takes at most 3000 characters; escaping can grow it a little. */
const MAX_CUSTOMER_MESSAGE = 3900;

/**
 * A quiet one-line thread reply. The sender posts it without `reply_broadcast`, so nothing reaches the channel;
 * a nudge mentions people or user groups only, never @channel or @here.
 */
export type { CardChange };

/** Slack refuses an empty message, so a change with nothing to say still says what it is. */
export function renderThreadLine(change: CardChange): string {
  return lineOf(change) || `(${change.kind.replace("_", " ")})`;
}

function lineOf(change: CardChange): string {
  switch (change.kind) {
    case "opened":
      return "Card opened";
    case "claimed":
      return `Claimed by ${mention(change.by)}`;
    case "unclaimed": {
      const was =
        change.previousClaimer && change.previousClaimer !== change.by
          ? ` (was ${mention(change.previousClaimer)})`
          : "";
      return `Unclaimed by ${mention(change.by)}${was}`;
    }
    case "resolving":
      return `${free(change.note)}, started by ${mention(change.by)}`;
    case "reopened":
      return `Back to open: ${free(change.why)}`;
    case "customer_notified":
      return `Customer notified by ${mention(change.by)} ${destination(change.to)}`;
    case "customer_message":
      // Operator-edited text for a customer; escaped so nothing in it pings or links, and cut to fit a message.
      return clip(change.text, MAX_CUSTOMER_MESSAGE) || "(an empty message)";
    case "resolved":
      return resolvedLine(change);
    case "nudge":
      return nudgeLine(change);
    case "error":
      return `Failed: ${free(change.message)}${change.requestId ? ` (request ${clip(change.requestId, 80)})` : ""}`;
    case "note":
      // Written by our templates with their untrusted pieces escaped (like card notes): its mentions stay live.
      return ourText(change.text, MAX_FREE_TEXT);
  }
}

function resolvedLine(change: Extract<CardChange, { kind: "resolved" }>): string {
  const how = change.how ? `: ${free(change.how)}` : "";
  switch (change.source) {
    case "slack":
      return `Resolved by ${mention(change.by)}${how}`;
    case "peeker":
      return `Resolved by Peeker${how}`;
    case "reconcile":
      return `Resolved outside Slack${how}`;
  }
}

function nudgeLine(change: Extract<CardChange, { kind: "nudge" }>): string {
  const who = [...change.users.map(mention), ...change.groups.map(mentionGroup)].join(" ");
  const waited = `Still open after ${formatDuration(change.waitedMs)}, past its ${formatDuration(change.slaMs)} SLA`;
  return who ? `${who} ${waited}` : waited;
}

function destination(to: { channel: string } | "thread"): string {
  if (to === "thread") return "(message in this thread)";
  return `in ${channelLink(to.channel)}`;
}

/** Reasons, notes and errors carry Peeker's words and ids: escaped whole, never turned into mentions. */
function free(text: string): string {
  return clip(text, MAX_FREE_TEXT);
}
