import { clip, code, mention, slackDate } from "./format.js";
import type { AuditLine } from "./view-models.js";

/** Lines of `/peeker history <id>` (pure). Details are summarised; secrets were removed before storing. */

const MAX_TEXT = 3500;

export function renderHistory(id: string, rows: AuditLine[]): { text: string } {
  if (rows.length === 0) {
    return { text: `Nothing in the audit trail for ${code(id, 80)} yet.` };
  }
  const header = `*Audit trail of ${code(id, 80)}* (${rows.length === 1 ? "1 entry" : `${rows.length} latest entries`}, oldest first)`;
  const lines: string[] = [];
  let length = header.length;
  // Newest entries matter most: when the text is too long, the oldest are dropped.
  for (const row of [...rows].reverse()) {
    const line = historyLine(row);
    if (length + line.length + 1 > MAX_TEXT) break;
    lines.unshift(line);
    length += line.length + 1;
  }
  return { text: [header, ...lines].join("\n") };
}

function historyLine(row: AuditLine): string {
  const who = row.actor === "system" ? "system" : mention(row.actor);
  const summary = summarise(row);
  const request = row.peekerRequestId ? ` · request ${code(row.peekerRequestId, 60)}` : "";
  return `• ${slackDate(row.at)} ${who} ${code(row.action, 60)}${summary ? ` ${summary}` : ""}${request}`;
}

/** A few telling details, never the whole object. */
function summarise(row: AuditLine): string {
  const d = row.details;
  const parts: string[] = [];
  const pick = (key: string) => {
    const value = d[key];
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      parts.push(`${key}=${clip(String(value), 60)}`);
    }
  };
  for (const key of [
    "call",
    "status",
    "replacement",
    "new_order_id",
    "swap_id",
    "destination",
    "resolution",
    "why",
  ]) {
    pick(key);
  }
  const outcome = d.outcome;
  if (outcome && typeof outcome === "object" && "kind" in outcome) {
    const o = outcome as { kind: unknown; refusal?: unknown };
    parts.push(`outcome=${clip(String(o.kind), 20)}${o.refusal ? `:${clip(String(o.refusal), 30)}` : ""}`);
  } else if (typeof outcome === "string") {
    parts.push(`outcome=${clip(outcome, 30)}`);
  }
  return parts.join(" ");
}
