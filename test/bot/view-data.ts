/**
 * Seeded generators of view data for the property test: empty, typical and extreme inputs (hundreds of personas
 * and domains, thousands of characters, mrkdwn control sequences, emoji, RTL text, very long ids). Untrusted text
 * carries markers (`<!channel>`, `<@U0EVIL>`, `<#C0EVIL>`, `<https://evil.example|…>`) that must never reach
 * mrkdwn unescaped; trusted Slack ids come from a separate pool.
 */

import type { PendingActionRow } from "../../src/db/schema.js";
import { escapeMrkdwn } from "../../src/mrkdwn.js";
import type { QueueItem, ReasonCount } from "../../src/pending/open-actions.js";

export type Size = "empty" | "typical" | "extreme";
export const SIZES: readonly Size[] = ["empty", "typical", "extreme"];

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Gen {
  private state: number;
  constructor(
    seed: number,
    readonly size: Size,
  ) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  bool(): boolean {
    return this.next() < 0.5;
  }

  /** How many items a list gets for this size. */
  count(typical = 3, extreme = 600): number {
    if (this.size === "empty") return 0;
    return this.size === "typical" ? this.int(1, typical) : this.int(extreme / 2, extreme);
  }

  list<T>(make: (i: number) => T, typical = 3, extreme = 600): T[] {
    return Array.from({ length: this.count(typical, extreme) }, (_, i) => make(i));
  }

  /** Untrusted text: words, markup Slack would act on, emoji, RTL, and for `extreme` thousands of characters. */
  text(typicalMax = 40): string {
    if (this.size === "empty") return this.bool() ? "" : " ";
    const parts: string[] = [];
    const n = this.size === "typical" ? this.int(1, 4) : this.int(20, 60);
    for (let i = 0; i < n; i++) parts.push(this.pick(PIECES));
    const text = parts.join(this.pick([" ", "", "\n", " & "]));
    // By code point, so a cut never leaves half an emoji (what Peeker sends is well-formed JSON text).
    const chars = Array.from(text);
    // Extreme: half the strings are long (1,000–6,000 characters), the rest at most twice the typical length.
    const max =
      this.size === "typical" ? typicalMax : this.bool() ? this.int(1000, 6000) : this.int(1, typicalMax * 2);
    return chars.slice(0, max).join("");
  }

  /** An id-like string from Peeker: short, or very long and full of markup when extreme. */
  id(prefix: string): string {
    if (this.size === "extreme") return `${prefix}_${this.text()}`;
    return `${prefix}_${this.int(1, 99999)}${this.size === "empty" ? "" : this.pick(["", "<!here>", "&x"])}`;
  }

  /** A trusted Slack user id (what Slack sends us), or the system actor. */
  slackUser(): string {
    return this.pick(["U0ALICE", "U0BOB", "W0CAROL", "system", "not-an-id"]);
  }

  date(): Date {
    return new Date(Date.UTC(2026, 0, 1) + this.int(0, 300) * 86_400_000 + this.int(0, 86_399) * 1000);
  }
}

const PIECES = [
  "acme",
  "Sam Lee",
  "<!channel>",
  "<!here>",
  "<@U0EVIL>",
  "<@U0EVIL|boss>",
  "<#C0EVIL>",
  "<https://evil.example|click here>",
  "<mailto:x@evil.example|mail>",
  "&amp;",
  "&lt;",
  "*bold*",
  "_it_",
  "~gone~",
  "`tick`",
  "```block```",
  "> quote",
  "👩🏽‍💻",
  "🇺🇦",
  "مرحبا بالعالم",
  "שלום",
  "\u202Eevil\u202C",
  "e\u0301",
  "x".repeat(300),
  "long-domain-name-".repeat(10),
];

/** Markers of untrusted markup: none may appear in any mrkdwn text or `text` fallback. */
export const UNTRUSTED_MARKUP = /<!channel>|<!here>|<@U0EVIL|<#C0EVIL|<https:\/\/evil|<mailto:x@evil/;

export function pendingRow(g: Gen, i: number): PendingActionRow {
  const reason = g.pick([
    "update_nameservers",
    "replace_domain",
    "profile_picture_not_accessible",
    g.text(30) || "x",
  ]);
  const state = g.pick(["open", "resolving", "resolved"] as const);
  const opened = g.date();
  return {
    id: String(i + 1),
    card_key: `${reason}:${g.id("res")}`,
    reason,
    resource_kind: "order",
    resource_id: g.id("ord"),
    order_id: g.bool() ? g.id("ord") : null,
    domain_id: g.bool() ? g.id("dom") : null,
    domain: g.bool() ? g.text(60) : null,
    import_id: g.bool() ? g.id("imp") : null,
    swap_id: g.bool() ? g.id("swp") : null,
    user_id: g.bool() ? g.id("usr") : null,
    customer_email: g.bool() ? `${g.text(20)}@example.com` : null,
    peeker_action_ids: g.list(() => g.id("act"), 3, 300),
    message: g.bool() ? g.text(200) : null,
    details: {
      personas: g.list(
        () => ({
          first_name: g.text(20),
          last_name: g.text(20),
          profile_picture_url: g.bool() ? g.text(80) : null,
        }),
        3,
        500,
      ),
      domains: g.list(() => g.text(40), 5, 800),
      // As the writers store them (src/pending): untrusted pieces escaped, our mention live.
      notes: g.list(() => `${escapeMrkdwn(g.text(60))} by <@U0ALICE>`, 3, 40),
      ...(g.bool() ? { newOrderId: g.id("ord") } : {}),
    },
    state,
    sandbox: g.bool(),
    claimed_by: g.bool() ? g.slackUser() : null,
    claimed_at: null,
    resolving_by: state === "resolving" ? g.slackUser() : null,
    resolving_since: null,
    resolving_note: state === "resolving" ? g.text(100) : null,
    opened_at: opened,
    last_seen_at: opened,
    last_checked_at: opened,
    resolved_at: state === "resolved" ? new Date(opened.getTime() + 3_600_000) : null,
    resolved_by: state === "resolved" ? g.slackUser() : null,
    resolution: state === "resolved" ? g.text(100) : null,
    version: 1,
    updated_at: opened,
    sla_nudged_for: null,
    intent_kind: null,
    intent_payload: null,
    intent_at: null,
    intent_owner: null,
  };
}

export function queueItem(g: Gen, i: number): QueueItem {
  return {
    id: String(i + 1),
    reason: g.pick(["update_nameservers", "replace_domain", g.text(30) || "x"]),
    cardKey: g.id("key"),
    state: "open",
    orderId: g.bool() ? g.id("ord") : null,
    importId: null,
    swapId: null,
    domain: g.bool() ? g.text(60) : null,
    domainId: null,
    customerEmail: g.bool() ? g.text(60) : null,
    userId: g.bool() ? g.id("usr") : null,
    claimedBy: g.bool() ? g.slackUser() : null,
    openedAt: g.date(),
    card: undefined,
  };
}

export function reasonCount(g: Gen): ReasonCount {
  return {
    reason: g.pick(["update_nameservers", g.text(70) || "x"]),
    count: g.int(1, 100_000),
    oldestOpenedAt: g.date(),
  };
}

/** Card permalinks, some of them odd (long, or with markup) so the views must drop them. */
export function permalinks(g: Gen, items: readonly { id: string }[]): Map<string, string> {
  return new Map(
    items.map((item) => [
      item.id,
      g.bool()
        ? `https://fake.slack.com/archives/C1/p${item.id}`
        : `https://fake.slack.com/archives/C1/${g.text()}`,
    ]),
  );
}
