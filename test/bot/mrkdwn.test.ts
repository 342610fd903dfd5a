import { describe, expect, it } from "vitest";
import { renderCard } from "../../src/bot/views/card.js";
import { fitLines } from "../../src/bot/views/format.js";
import { errorsOnBulk, parseBulkBlockId, parseBulkLines } from "../../src/bot/views/picture-bulk.js";
import { reorderModal } from "../../src/bot/views/reorder-modal.js";
import { renderThreadLine } from "../../src/bot/views/thread-line.js";
import { clip, cutMrkdwn, link, ourText } from "../../src/mrkdwn.js";
import { LIMITS, validateView } from "../support/slack-fake/index.js";

const card = (overrides: Record<string, unknown>) =>
  renderCard({
    cardKey: "k",
    pendingActionId: "1",
    reason: "replace_domain",
    state: "open",
    sandbox: false,
    customer: {},
    peekerActionIds: [],
    openedAt: new Date("2026-03-02T09:00:00Z"),
    notes: [],
    ...overrides,
  });

describe("the escaping rule (src/mrkdwn.ts)", () => {
  it("never turns a mention found in Peeker's words back into a live one", () => {
    const shown = JSON.stringify(
      card({
        state: "resolving",
        resolving: { by: "U0ALICE", note: "Swap <@U0EVIL> for <#C0EVIL> in progress" },
      }).blocks,
    );
    expect(shown).toContain("Swap &lt;@U0EVIL&gt; for &lt;#C0EVIL&gt; in progress");
    expect(shown).toContain("<@U0ALICE>");
    const resolved = JSON.stringify(
      card({ state: "resolved", resolved: { by: "system", how: "Order is <@U0EVIL>", at: new Date() } }),
    );
    expect(resolved).not.toContain("<@U0EVIL>");
    expect(renderThreadLine({ kind: "reopened", why: "Order <@U0EVIL> is failed" })).toBe(
      "Back to open: Order &lt;@U0EVIL&gt; is failed",
    );
  });

  it("keeps only user and channel mentions in text our templates stored, escaping anything else", () => {
    expect(ourText("Notified by <@U0ALICE> in <#C0CUST> &lt;!channel&gt; <!here> & <https://x|y>", 500)).toBe(
      "Notified by <@U0ALICE> in <#C0CUST> &lt;!channel&gt; &lt;!here&gt; &amp; &lt;https://x|y&gt;",
    );
  });

  it("cuts on a safe boundary: never inside an entity, a mention or an emoji", () => {
    expect(clip("a&b", 4)).toBe("a…");
    expect(clip("<<<<", 5)).toBe("&lt;…");
    expect(cutMrkdwn("ab <@U0ALICE> cd", 10)).toBe("ab …");
    expect(clip("👩🏽‍💻👩🏽‍💻", 4)).toBe("👩…");
    expect(fitLines(["title", "x".repeat(5000), "y"], 3000)).toMatch(/^title\n_and 2 more_$/);
  });

  it("drops a link whose URL it cannot trust the shape of, rather than cutting it", () => {
    expect(link("https://fake.slack.com/archives/C1/p1", "card", 150)).toBe(
      "<https://fake.slack.com/archives/C1/p1|card>",
    );
    expect(link("https://x|<!channel>", "card", 150)).toBe("card");
    expect(link(`https://x/${"a".repeat(200)}`, "card", 150)).toBe("card");
  });
});

describe("long persona lists in the reorder modal", () => {
  const failing = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ index: i, firstName: `P${i}`, lastName: "L", badUrl: null }));

  it("stays within 100 blocks and every limit with 700 failing personas, saying how many are left", () => {
    const view = reorderModal({
      pendingActionId: "1",
      orderId: `ord_${"9".repeat(200)}`,
      failing: failing(700),
      askLogin: { email: true, password: true },
    });
    expect(validateView(view, "modal")).toBeUndefined();
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(JSON.stringify(view)).toContain("and 192 more personas");
  });

  it("reads '<number> <url>' lines for the personas a bulk block names, and asks for the missing ones", () => {
    expect(parseBulkBlockId("picture_urls:20,21,22")).toEqual([20, 21, 22]);
    expect(parseBulkBlockId("picture_urls:x")).toBeUndefined();
    expect(parseBulkBlockId("picture_url:3")).toBeUndefined();
    const urls = parseBulkLines(
      [20, 21, 22],
      "21 https://a.test/1.png\n #22: https://a.test/2.png\n99 https://evil\n",
    );
    expect([...urls]).toEqual([
      [20, "https://a.test/1.png"],
      [21, "https://a.test/2.png"],
      [22, ""],
    ]);
    expect(
      errorsOnBulk(
        { "picture_url:22": "Please fill this in.", other: "x" },
        ["picture_urls:20,21,22"],
        (i) => `picture_url:${i}`,
      ),
    ).toEqual({ other: "x", "picture_urls:20,21,22": "23: Please fill this in." });
  });
});
