import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawnBot } from "../support/bot-process.js";
import { type Stack, startStack } from "../support/e2e.js";
import { LIMITS, totalTextLength } from "../support/slack-fake/index.js";
import { allText, digests, seedOpenActions, seedResolvedActions, slash } from "../support/visibility.js";

const MINUTE = 60_000;

/** The digest's content: an empty queue, a small one, and 500 open actions within Block Kit's limits. */
describe("daily digest content", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "digest" });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    // Each case starts from an empty queue and no earlier digest.
    const { db } = stack.database.handle;
    // Thread lines first: the bot's nudge job may have written one for an earlier case's card.
    await db.deleteFrom("thread_lines").execute();
    await db.deleteFrom("slack_cards").execute();
    await db.deleteFrom("pending_actions").execute();
    await db.deleteFrom("runs").execute();
    stack.slack.reset();
  });

  it("`npm run digest` posts a calm one-liner when nothing is open", { timeout: 150_000 }, async () => {
    const run = await spawnBot(stack.env, { command: "digest", name: "digest-cli" });
    // A ceiling, not a duration: a one-shot process compiles through tsx and migrates first.
    expect(await run.waitExit(120_000)).toBe(0);
    expect(run.output()).toContain("Digest posted in C0SUPPORT01: 0 open");
    const [digest, ...more] = digests(stack.slack);
    expect(more).toHaveLength(0);
    expect(digest?.blocks).toHaveLength(1);
    expect(digest?.text).toMatch(
      /^:white_check_mark: Nothing is waiting on us: the Peeker queue is empty\.$/,
    );
  });

  it("shows a small queue: by reason, the oldest with links, SLA breaches, who resolved what since the previous digest, median and p90", async () => {
    const { db } = stack.database.handle;
    const now = Date.now();
    const previous = new Date(now - 2 * 60 * MINUTE);
    await db
      .insertInto("runs")
      .values({ job: "digest", slot: "previous", runner: "test", started_at: previous })
      .execute();
    await db.updateTable("runs").set({ outcome: "succeeded", finished_at: previous }).execute();
    // Past the 240-minute SLA of replace_domain (5 h open); the other two are recent.
    const [breached] = await seedOpenActions(db, stack.slack, 1, {
      reason: "replace_domain",
      openedAt: () => new Date(now - 5 * 60 * MINUTE),
      claimedBy: () => "U0CLAIMER",
    });
    await seedOpenActions(db, stack.slack, 2, {
      reason: "update_nameservers",
      openedAt: (i) => new Date(now - (10 + i) * MINUTE),
    });
    const at = (minutesAgo: number) => new Date(now - minutesAgo * MINUTE);
    await seedResolvedActions(db, [
      { by: "U0ALICE", openedAt: at(70), resolvedAt: at(60) }, // 10 min
      { by: "U0ALICE", openedAt: at(80), resolvedAt: at(60) }, // 20 min
      { by: "system", openedAt: at(120), resolvedAt: at(60) }, // 60 min
      { by: "U0BOB", openedAt: at(400), resolvedAt: at(180) }, // before the previous digest: not counted
    ]);

    const { ack } = await slash(stack, "digest");
    expect(ack.text).toBe("Digest posted in <#C0SUPPORT01> (3 open).");
    const [digest] = digests(stack.slack);
    const text = allText(digest);
    expect(text).toContain("Peeker queue: 3 open actions");
    expect(text).toContain("Nameservers not updated: *2*");
    expect(text).toContain("Domain must be replaced: *1*");
    expect(text).toContain(
      `<https://fake.slack.com/archives/C0SUPPORT01/p${breached!.ts.replace(".", "")}|Domain must be replaced>`,
    );
    expect(text).toContain("claimed by <@U0CLAIMER>");
    expect(text).toContain("*Past their SLA: 1* (Domain must be replaced 1)");
    expect(text).toContain("*Resolved since the previous digest: 3*");
    expect(text).toContain("By <@U0ALICE> 2, Peeker / outside Slack 1");
    expect(text).not.toContain("U0BOB");
    // 10, 20 and 60 minutes: median 20; p90 = 20 + 0.8 × (60 − 20) = 52.
    expect(text).toContain("Time to resolve: median 20 min, 90th percentile 52 min");
    expect(digest?.text).toBe("Peeker queue: 3 open, 1 past their SLA, 3 resolved since the previous digest");
    const run = await db
      .selectFrom("runs")
      .selectAll()
      .where("job", "=", "digest")
      .where("slot", "like", "manual:%")
      .executeTakeFirstOrThrow();
    expect(run.outcome).toBe("succeeded");
    expect(run.counts).toMatchObject({ open: 3, breached: 1, resolved: 3 });
  });

  it("stays within Block Kit's limits with 500 open actions", async () => {
    const { db } = stack.database.handle;
    const now = Date.now();
    await seedOpenActions(db, stack.slack, 500, {
      reason: (i) =>
        i % 12 === 0 ? "update_nameservers" : `some_new_reason_number_${i % 12}_with_a_long_name`,
      openedAt: (i) => new Date(now - (600 - i) * 60 * MINUTE),
      claimedBy: (i) => (i % 3 === 0 ? `U0USER${i}` : null),
    });
    const { ack } = await slash(stack, "digest");
    expect(ack.text).toBe("Digest posted in <#C0SUPPORT01> (500 open).");
    const post = stack.slack
      .calls("chat.postMessage")
      .find((c) => (c.args.metadata as { event_type?: string })?.event_type === "peeker_digest");
    expect(post?.response).toMatchObject({ ok: true });
    const [digest] = digests(stack.slack);
    expect(digest!.blocks!.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(totalTextLength(digest!.blocks!)).toBeLessThan(LIMITS.messageTotalText);
    const text = allText(digest);
    expect(text).toContain("Peeker queue: 500 open actions");
    expect(text).toContain("and 490 more");
    expect(text).toContain("and 2 more reasons");
  });
});
