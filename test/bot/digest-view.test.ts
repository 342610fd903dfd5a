import { describe, expect, it } from "vitest";
import { renderDigest } from "../../src/bot/views/digest.js";
import { renderHome } from "../../src/bot/views/home.js";
import type { DigestData } from "../../src/pending/digest.js";
import type { QueueItem } from "../../src/pending/open-actions.js";
import { blockProblems, LIMITS, totalTextLength } from "../support/slack-fake/index.js";

const now = new Date("2026-05-04T09:00:00Z");

/** The worst case: long reasons, ids, emails and permalinks everywhere. */
function item(i: number): QueueItem {
  return {
    id: String(i),
    reason: `a_very_long_unknown_reason_${i % 40}_${"x".repeat(80)}`,
    cardKey: `k${i}`,
    state: "open",
    orderId: `ord_${"Z".repeat(120)}`,
    importId: null,
    swapId: null,
    domain: null,
    domainId: null,
    customerEmail: `${"someone".repeat(20)}@example.com`,
    userId: null,
    claimedBy: "U0123456789",
    openedAt: new Date(now.getTime() - (1000 - i) * 3_600_000),
    card: { channel: "C1", ts: `${i}.000100` },
  };
}

const many = (n: number) => Array.from({ length: n }, (_, i) => item(i));

function data(open: number): DigestData {
  const reasons = Array.from({ length: 40 }, (_, i) => ({
    reason: item(i).reason,
    count: Math.ceil(open / 40),
    oldestOpenedAt: new Date(now.getTime() - 1000 * 3_600_000),
  }));
  return {
    now,
    since: new Date(now.getTime() - 86_400_000),
    sinceKind: "previous_digest",
    open: { total: open, byReason: open === 0 ? [] : reasons },
    oldest: open === 0 ? [] : many(10),
    breaches: { total: open, byReason: open === 0 ? [] : reasons, oldest: open === 0 ? [] : many(5) },
    resolved: {
      total: 300,
      byWhom: Array.from({ length: 25 }, (_, i) => ({ by: `U0${String(i).padStart(9, "0")}`, count: 12 })),
      medianMs: 3_600_000,
      p90Ms: 86_400_000,
    },
  };
}

const links = new Map(
  many(20).map((i) => [i.id, `https://acme-support.slack.com/archives/C1/p${i.id}000100${"9".repeat(40)}`]),
);

describe("digest and Home views", () => {
  it("keeps a digest of a huge queue within 50 blocks, 12k characters and every per-block limit", () => {
    const digest = renderDigest({ data: data(5000), slot: "2026-05-04T09:00:00.000Z", permalinks: links });
    expect(digest.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(totalTextLength(digest.blocks)).toBeLessThan(LIMITS.messageTotalText);
    expect(blockProblems(digest.blocks)).toEqual([]);
    expect(JSON.stringify(digest.blocks)).not.toMatch(/<!channel>|<!here>/);
  });

  it("says one calm line for an empty queue", () => {
    const digest = renderDigest({ data: data(0), slot: "s", permalinks: new Map() });
    expect(digest.blocks).toHaveLength(1);
    expect(digest.text).toMatch(/^:white_check_mark: Nothing is waiting on us/);
    expect(digest.text).toContain("300 resolved since the previous digest (median 1 h)");
  });

  it("keeps the Home tab within 100 blocks and every per-block limit", () => {
    const home = renderHome({
      now,
      byReason: data(5000).open.byReason,
      oldest: many(10),
      mine: many(8),
      mineTotal: 40,
      lastReconcile: undefined,
      inbox: { depth: 10, lagSeconds: 90, failed: 7 },
      failed: Array.from({ length: 5 }, (_, i) => ({
        eventId: `evt_${i}`,
        type: "order.action_required",
        failedAt: now,
        attempts: 10,
        lastError: "x".repeat(2000),
      })),
      outbox: {
        cardsWaiting: 3,
        cardsHeld: 900,
        linesWaiting: 2,
        oldestWaitingSeconds: 30,
        failing: 1,
        lastError: "ratelimited",
      },
      permalinks: links,
      sandbox: true,
    });
    expect(home.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(blockProblems(home.blocks)).toEqual([]);
  });
});
