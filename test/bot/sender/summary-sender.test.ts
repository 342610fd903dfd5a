import { beforeEach, describe, expect, it } from "vitest";
import { createBacklogGuard } from "../../../src/bot/sender/backlog-guard.js";
import { sendSummary } from "../../../src/bot/sender/summary-sender.js";
import { BACKLOG_EVENT_TYPE } from "../../../src/bot/views/backlog-summary.js";
import { backlogSummaryState } from "../../../src/db/card-backlog.repository.js";
import { acquireChannelLease } from "../../../src/db/slack-channels.repository.js";
import { fakeSlack, queueCard, sendDeps, slackErrors, useOutboxDatabase } from "./sender-fixtures.js";

/**
 * The backlog summary sender (src/bot/sender/summary-sender.ts) on a real database: one summary per channel,
 * posted once, edited after; a post whose answer was lost is found among the latest messages and edited; a
 * summary someone deleted is forgotten so the next pass posts a new one.
 */
describe("the backlog summary sender", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0SUMMARY1";
  // After the outbox is emptied (useOutboxDatabase's hook runs first).
  beforeEach(async () => {
    await acquireChannelLease(db(), CHANNEL, "worker-a", 30);
  });

  /** A channel over its limit of 1: the second card is held, and the summary is due. */
  async function dueSummary() {
    const guard = createBacklogGuard(db(), 1);
    await queueCard(db(), CHANNEL);
    await queueCard(db(), CHANNEL);
    await guard.rebalance(CHANNEL);
    const summary = await guard.desiredSummary(CHANNEL);
    if (!summary) throw new Error("expected a summary to be due");
    return { guard, summary };
  }

  it("posts the first summary and records it", async () => {
    const { guard, summary } = await dueSummary();
    const slack = fakeSlack({ postMessage: async () => ({ ts: "1700000000.000070" }) });
    const outcome = await sendSummary({ ...sendDeps(db()), slack, backlog: guard }, CHANNEL, summary);
    expect(outcome).toEqual({ kind: "ok" });
    expect(slack.made("history")).toHaveLength(1);
    expect(await backlogSummaryState(db(), CHANNEL)).toEqual({ ts: "1700000000.000070", hash: summary.hash });
    expect(await guard.desiredSummary(CHANNEL)).toBeUndefined();
  });

  it("edits a summary an earlier post left in the channel rather than posting a second one", async () => {
    const { guard, summary } = await dueSummary();
    const slack = fakeSlack({
      history: async () => ({
        messages: [{ ts: "1700000000.000071", metadata: { event_type: BACKLOG_EVENT_TYPE } }],
      }),
    });
    await sendSummary({ ...sendDeps(db()), slack, backlog: guard }, CHANNEL, summary);
    expect(slack.made("postMessage")).toEqual([]);
    expect(slack.made("update")).toEqual([expect.objectContaining({ ts: "1700000000.000071" })]);
    expect(await backlogSummaryState(db(), CHANNEL)).toEqual({ ts: "1700000000.000071", hash: summary.hash });
  });

  it("forgets a summary someone deleted, so the next pass posts a new one", async () => {
    const { guard, summary } = await dueSummary();
    const slack = fakeSlack({
      update: async () => Promise.reject(slackErrors.platform("message_not_found")),
    });
    const outcome = await sendSummary({ ...sendDeps(db()), slack, backlog: guard }, CHANNEL, {
      ...summary,
      ts: "1700000000.000072",
    });
    expect(outcome).toMatchObject({ kind: "failed", notFound: true });
    expect(await backlogSummaryState(db(), CHANNEL)).toEqual({ ts: null, hash: null });
  });
});
