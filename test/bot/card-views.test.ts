import { describe, expect, it } from "vitest";
import { ACTION_IDS, ALL_ACTION_IDS, ALL_ROUTED_IDS } from "../../src/bot/action-ids.js";
import { renderBacklogSummary } from "../../src/bot/views/backlog-summary.js";
import { renderCard } from "../../src/bot/views/card.js";
import { cardHash } from "../../src/bot/views/card-hash.js";
import type { CardModel, RenderedCard } from "../../src/bot/views/card-model.js";
import { formatDuration } from "../../src/bot/views/format.js";
import { renderThreadLine } from "../../src/bot/views/thread-line.js";
import { LIMITS, totalTextLength, validateMessage } from "../support/slack-fake/index.js";

const OPENED = new Date("2026-03-02T09:15:00.000Z");

function buildCard(overrides: Partial<CardModel> = {}): CardModel {
  return {
    cardKey: "profile_picture_not_accessible:ord_123",
    pendingActionId: "pa_42",
    reason: "profile_picture_not_accessible",
    state: "open",
    sandbox: false,
    customer: { email: "customer@example.com", userId: "usr_9" },
    orderId: "ord_123",
    peekerActionIds: ["act_1"],
    message: "The profile picture for Ada Lovelace could not be fetched.",
    personas: [{ firstName: "Ada", lastName: "Lovelace", pictureUrl: "https://img.example.com/ada.png" }],
    openedAt: OPENED,
    notes: [],
    ...overrides,
  };
}

type Node = Record<string, unknown>;

/** Every object in the structure, depth first. */
function objects(value: unknown): Node[] {
  if (Array.isArray(value)) return value.flatMap(objects);
  if (value !== null && typeof value === "object") {
    return [value as Node, ...Object.values(value).flatMap(objects)];
  }
  return [];
}

function buttons(card: RenderedCard): { text: string; actionId: string; value: unknown }[] {
  return objects(card.blocks)
    .filter((o) => o.type === "button")
    .map((o) => ({ text: (o.text as Node).text as string, actionId: o.action_id as string, value: o.value }));
}

function visibleText(card: RenderedCard): string {
  return objects(card.blocks)
    .flatMap((o) => (typeof o.text === "string" ? [o.text] : []))
    .join("\n");
}

/** Slack's limits, checked both by the fake's validator and directly. */
function expectWithinSlackLimits(card: RenderedCard): void {
  expect(validateMessage({ text: card.text, blocks: card.blocks, metadata: card.metadata })).toBeUndefined();
  expect(card.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
  for (const o of objects(card.blocks)) {
    if (o.type === "section" && o.text)
      expect(((o.text as Node).text as string).length).toBeLessThanOrEqual(3000);
    if (o.type === "section" && Array.isArray(o.fields)) {
      expect(o.fields.length).toBeLessThanOrEqual(10);
      for (const f of o.fields as Node[]) expect((f.text as string).length).toBeLessThanOrEqual(2000);
    }
    if (o.type === "header") expect(((o.text as Node).text as string).length).toBeLessThanOrEqual(150);
    if (o.type === "context") expect((o.elements as unknown[]).length).toBeLessThanOrEqual(10);
    if (o.type === "button") {
      expect(((o.text as Node).text as string).length).toBeLessThanOrEqual(75);
      expect(String(o.value ?? "").length).toBeLessThanOrEqual(2000);
    }
  }
  expect(totalTextLength(card.blocks) + card.text.length).toBeLessThan(9000);
}

describe("card buttons by reason", () => {
  it.each([
    ["update_nameservers", "Send nameservers…", ACTION_IDS.nameserversOpen],
    ["replace_domain", "Swap domain…", ACTION_IDS.swapOpen],
    ["profile_picture_not_accessible", "Fix picture & reorder…", ACTION_IDS.reorderOpen],
  ])(
    "a %s card offers %s, Claim and Refresh, each carrying only the pending action id",
    (reason, primary, actionId) => {
      const card = renderCard(buildCard({ reason, cardKey: `${reason}:x` }));

      expect(buttons(card)).toEqual([
        { text: primary, actionId, value: "pa_42" },
        { text: "Claim", actionId: ACTION_IDS.cardClaim, value: "pa_42" },
        { text: "Refresh", actionId: ACTION_IDS.cardRefresh, value: "pa_42" },
      ]);
      expect(card.metadata).toEqual({
        event_type: "peeker_pending_action",
        event_payload: { card_key: `${reason}:x`, pending_action_id: "pa_42", reason },
      });
      expectWithinSlackLimits(card);
    },
  );

  it("an unknown reason is shown as-is and gets only Claim and Refresh", () => {
    const card = renderCard(buildCard({ reason: "sequencer_quota_exceeded", personas: [] }));

    expect(buttons(card).map((b) => b.text)).toEqual(["Claim", "Refresh"]);
    expect(visibleText(card)).toContain("sequencer_quota_exceeded");
    expect(card.metadata.event_payload.reason).toBe("sequencer_quota_exceeded");
  });

  it("a claimed card offers Unclaim instead of Claim and names the claimer", () => {
    const card = renderCard(buildCard({ claimedBy: "U0ALICE" }));

    expect(buttons(card).map((b) => b.text)).toEqual(["Fix picture & reorder…", "Unclaim", "Refresh"]);
    expect(buttons(card)[1]?.actionId).toBe(ACTION_IDS.cardUnclaim);
    expect(visibleText(card)).toContain("<@U0ALICE>");
  });

  it("a card being resolved keeps its buttons (the listener answers 'Already being resolved') and shows the note", () => {
    const card = renderCard(
      buildCard({
        reason: "replace_domain",
        state: "resolving",
        claimedBy: "U0ALICE",
        resolving: { by: "U0ALICE", note: "Swap swp_7 in progress" },
      }),
    );

    expect(buttons(card)).toHaveLength(3);
    expect(visibleText(card)).toContain("Swap swp_7 in progress (<@U0ALICE>)");
  });

  it("uses only ids from the action-id registry", () => {
    for (const reason of [
      "update_nameservers",
      "replace_domain",
      "profile_picture_not_accessible",
      "other",
    ]) {
      for (const claimedBy of [undefined, "U0ALICE"]) {
        for (const b of buttons(renderCard(buildCard({ reason, claimedBy })))) {
          expect(ALL_ACTION_IDS).toContain(b.actionId);
        }
      }
    }
  });
});

describe("what a card shows", () => {
  it("shows the reason in words, customer, ids, Peeker's message, a stable date token and who claimed it", () => {
    const card = renderCard(
      buildCard({
        reason: "update_nameservers",
        domain: "acme-mail.com",
        domainId: "dom_5",
        importId: "imp_8",
        swapId: "swp_3",
        newOrderId: "ord_456",
        personas: [],
        domains: ["acme-mail.com", "acme-send.com"],
      }),
    );
    const text = visibleText(card);

    expect(text).toContain("Nameservers not updated");
    expect(text).toContain("customer@example.com");
    for (const id of ["usr_9", "ord_123", "dom_5", "acme-mail.com", "imp_8", "swp_3", "ord_456", "act_1"]) {
      expect(text).toContain(id);
    }
    expect(text).toContain("could not be fetched");
    expect(text).toContain(
      `<!date^${OPENED.getTime() / 1000}^{date_short_pretty} {time}|2026-03-02T09:15:00.000Z>`,
    );
    expect(text).toContain("Nobody yet");
    expect(text).toContain("acme-send.com");
  });

  it("says Domain must be replaced and Profile picture not accessible for those reasons", () => {
    expect(visibleText(renderCard(buildCard({ reason: "replace_domain" })))).toContain(
      "Domain must be replaced",
    );
    expect(visibleText(renderCard(buildCard()))).toContain("Profile picture not accessible");
  });

  it("shows a SANDBOX badge only for a test key", () => {
    const sandbox = renderCard(buildCard({ sandbox: true }));
    const live = renderCard(buildCard({ sandbox: false }));

    expect(visibleText(sandbox)).toContain("SANDBOX");
    expect(sandbox.text).toContain("SANDBOX");
    expect(visibleText(live)).not.toContain("SANDBOX");
  });

  it("gives a meaningful notification fallback", () => {
    const card = renderCard(buildCard());

    expect(card.text).toBe("Action needed: Profile picture not accessible — ord_123 (customer@example.com)");
  });

  it("escapes Peeker's text so it cannot ping the channel or inject links", () => {
    const card = renderCard(
      buildCard({ message: "Hi <!channel> see <https://evil.example|here> & more", domains: ["<!here>"] }),
    );
    const text = visibleText(card);

    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<!here>");
    expect(text).not.toContain("<https://evil");
    expect(text).toContain("&lt;!channel&gt;");
  });

  it("keeps mentions in notes but escapes anything else", () => {
    const card = renderCard(buildCard({ notes: ["Customer notified by <@U0ALICE>", "odd <!channel> note"] }));
    const text = visibleText(card);

    expect(text).toContain("Customer notified by <@U0ALICE>");
    expect(text).toContain("odd &lt;!channel&gt; note");
  });
});

describe("resolved card", () => {
  const resolved = buildCard({
    state: "resolved",
    claimedBy: "U0ALICE",
    newOrderId: "ord_456",
    notes: ["Customer notified by <@U0ALICE>"],
    resolved: {
      by: "U0ALICE",
      how: "Corrected order ord_456 placed",
      at: new Date(OPENED.getTime() + 125 * 60_000),
    },
  });

  it("has no interactive element at all", () => {
    const card = renderCard(resolved);

    expect(card.blocks.some((b) => b.type === "actions")).toBe(false);
    expect(objects(card.blocks).filter((o) => "action_id" in o || o.type === "button")).toEqual([]);
    expect(objects(card.blocks).some((o) => "accessory" in o)).toBe(false);
  });

  it("says Resolved, by whom, how, when, and the time to resolve", () => {
    const card = renderCard(resolved);
    const text = visibleText(card);

    expect(text).toContain("Resolved");
    expect(text).toContain("<@U0ALICE>");
    expect(text).toContain("Corrected order ord_456 placed");
    expect(text).toContain("<!date^");
    expect(text).toContain("2 h 5 min");
    expect(card.text).toMatch(/^Resolved: Profile picture not accessible/);
    expect(card.metadata.event_payload.pending_action_id).toBe("pa_42");
    expectWithinSlackLimits(card);
  });

  it("says it was resolved automatically when the system resolved it", () => {
    const card = renderCard(
      buildCard({ state: "resolved", resolved: { by: "system", how: "Resolved outside Slack", at: OPENED } }),
    );

    expect(visibleText(card)).toContain("*Resolved* automatically: Resolved outside Slack");
    expect(visibleText(card)).toContain("< 1 min");
  });
});

describe("limits", () => {
  it("500 failing personas stay within every Slack limit, with 'and N more'", () => {
    const personas = Array.from({ length: 500 }, (_, i) => ({
      firstName: `First${i}`.padEnd(200, "x"),
      lastName: "Last",
      pictureUrl: `https://img.example.com/${"p".repeat(2500)}/${i}.png`,
    }));
    const card = renderCard(buildCard({ personas }));

    expectWithinSlackLimits(card);
    expect(visibleText(card)).toContain("and 492 more");
  });

  it("1000 domains of an import stay within every Slack limit, with 'and N more'", () => {
    const domains = Array.from({ length: 1000 }, (_, i) => `domain-${i}-${"d".repeat(240)}.com`);
    const card = renderCard(buildCard({ reason: "update_nameservers", personas: [], domains }));

    expectWithinSlackLimits(card);
    expect(visibleText(card)).toContain("and 980 more");
  });

  it("a worst case of every long field at once stays far below Slack's total size", () => {
    const long = "&<>".repeat(5000);
    const card = renderCard(
      buildCard({
        sandbox: true,
        reason: long,
        cardKey: long,
        customer: { email: long, userId: long },
        orderId: long,
        domain: long,
        domainId: long,
        importId: long,
        swapId: long,
        newOrderId: long,
        claimedBy: long,
        message: long,
        personas: Array.from({ length: 50 }, () => ({ firstName: long, lastName: long, pictureUrl: long })),
        domains: Array.from({ length: 50 }, () => long),
        notes: Array.from({ length: 300 }, () => long),
        peekerActionIds: Array.from({ length: 300 }, () => long),
        resolving: { by: long, note: long },
        state: "resolving",
      }),
    );

    expectWithinSlackLimits(card);
    expect(card.text.length).toBeLessThanOrEqual(300);
    expect(visibleText(card)).toContain("295 earlier notes");
  });
});

describe("card hash", () => {
  it("is the same for two renders of the same state, even with keys reordered as jsonb returns them", () => {
    const first = renderCard(buildCard());
    const second = renderCard(buildCard());
    const reordered = JSON.parse(JSON.stringify(first), (_key, value: unknown) =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    ) as RenderedCard;

    expect(cardHash(first)).toBe(cardHash(second));
    expect(cardHash(first)).toBe(cardHash(reordered));
    expect(cardHash(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when the state changes", () => {
    const open = cardHash(renderCard(buildCard()));

    expect(cardHash(renderCard(buildCard({ claimedBy: "U0ALICE" })))).not.toBe(open);
    expect(cardHash(renderCard(buildCard({ notes: ["Customer notified by <@U0ALICE>"] })))).not.toBe(open);
    expect(
      cardHash(
        renderCard(buildCard({ state: "resolved", resolved: { by: "system", how: "done", at: OPENED } })),
      ),
    ).not.toBe(open);
  });
});

describe("thread lines", () => {
  it("tells each state change in one quiet line", () => {
    expect(renderThreadLine({ kind: "claimed", by: "U0ALICE" })).toBe("Claimed by <@U0ALICE>");
    expect(renderThreadLine({ kind: "unclaimed", by: "U0BOB", previousClaimer: "U0ALICE" })).toBe(
      "Unclaimed by <@U0BOB> (was <@U0ALICE>)",
    );
    expect(renderThreadLine({ kind: "resolved", source: "peeker" })).toBe("Resolved by Peeker");
    expect(renderThreadLine({ kind: "resolved", source: "reconcile" })).toBe("Resolved outside Slack");
    expect(
      renderThreadLine({ kind: "resolved", source: "slack", by: "U0ALICE", how: "Swap swp_1 completed" }),
    ).toBe("Resolved by <@U0ALICE>: Swap swp_1 completed");
    expect(renderThreadLine({ kind: "customer_notified", by: "U0ALICE", to: { channel: "C0CUST" } })).toBe(
      "Customer notified by <@U0ALICE> in <#C0CUST>",
    );
    expect(renderThreadLine({ kind: "error", message: "Peeker said no <b>", requestId: "req_1" })).toBe(
      "Failed: Peeker said no &lt;b&gt; (request req_1)",
    );
  });

  it("a nudge mentions the claimer or user groups, never @channel or @here", () => {
    const line = renderThreadLine({
      kind: "nudge",
      waitedMs: 5 * 3_600_000 + 120_000,
      slaMs: 4 * 3_600_000,
      users: ["U0ALICE"],
      groups: ["S0OPS", "!channel"],
    });

    expect(line).toBe("<@U0ALICE> <!subteam^S0OPS> !channel Still open after 5 h 2 min, past its 4 h SLA");
    expect(line).not.toMatch(/<!(channel|here|everyone)>/);
  });
});

describe("backlog summary", () => {
  it("counts waiting actions by reason, largest first, in plain words", () => {
    const summary = renderBacklogSummary({
      waitingByReason: { update_nameservers: 30, replace_domain: 12, mystery: 0 },
      limit: 100,
    });
    const text = JSON.stringify(summary.blocks);

    expect(summary.text).toBe("42 pending actions are waiting for a card");
    expect(text.indexOf("Nameservers not updated")).toBeLessThan(text.indexOf("Domain must be replaced"));
    expect(text).not.toContain("mystery");
    expect(text).toContain("At most 100 cards");
    expect(validateMessage({ ...summary })).toBeUndefined();
  });

  it("cuts a long list of reasons with 'and N more' and says when the backlog is cleared", () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`reason_${i}`, i + 1]));

    expect(JSON.stringify(renderBacklogSummary({ waitingByReason: many, limit: 100 }).blocks)).toContain(
      "and 15 more reasons",
    );
    expect(renderBacklogSummary({ waitingByReason: {}, limit: 100 }).text).toContain("Backlog cleared");
  });
});

describe("durations", () => {
  it.each([
    [30_000, "< 1 min"],
    [12 * 60_000, "12 min"],
    [125 * 60_000, "2 h 5 min"],
    [3 * 3_600_000, "3 h"],
    [(3 * 24 + 4) * 3_600_000, "3 d 4 h"],
  ])("%d ms reads %s", (ms, words) => {
    expect(formatDuration(ms)).toBe(words);
  });
});

describe("action-id registry", () => {
  it("every routed id is namespaced peeker: and unique", () => {
    for (const id of ALL_ROUTED_IDS) expect(id).toMatch(/^peeker:[a-z_]+(:[a-z_]+)*$/);
    expect(new Set(ALL_ROUTED_IDS).size).toBe(ALL_ROUTED_IDS.length);
    expect(ALL_ACTION_IDS.every((id) => id.length <= 255)).toBe(true);
  });
});
