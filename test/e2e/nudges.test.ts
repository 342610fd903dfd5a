import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { seedOpenActions } from "../support/visibility.js";
import { busyCounts } from "../support/wait.js";

const HOUR = 60 * 60_000;

/**
 * SLA nudges through the real bots: a scan every second (NUDGE_CRON), two replicas, the default SLA of
 * replace_domain (240 minutes). One quiet reply per breached action per period; the claimer, or the operators'
 * user groups, are mentioned; never @channel or @here.
 */
describe("SLA nudges", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: "nudges",
      env: { NUDGE_CRON: "* * * * * *", SLACK_OPERATORS: "U0OPERATOR,S0OPSGROUP1,S0OPSGROUP2" },
    });
    await stack.startBot({}, "nudges-2");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const replies = (ts: string) => stack.slack.threadReplies(CHANNEL, ts);
  /**
   * Brings the nudges to a point after which a duplicate could no longer appear by itself: two nudge scans that
   * started after now have finished (each saw what was already nudged) and no thread line is waiting in the
   * outbox. A later scan sees the same rows these two saw.
   */
  const settle = async () => {
    const { db } = stack.database.handle;
    const after = new Date();
    await waitFor(
      async () => {
        const scans = await db
          .selectFrom("runs")
          .select("slot")
          .where("job", "=", "nudge")
          .where("started_at", ">", after)
          .where("outcome", "!=", "running")
          .execute();
        return scans.length >= 2 && (await busyCounts(db)).lines === 0;
      },
      { what: "two finished nudge scans and an empty thread outbox" },
    );
  };

  it("nudges a breached unclaimed action once per period, mentioning the operators' user groups, quietly", {
    timeout: 40_000,
  }, async () => {
    const { db } = stack.database.handle;
    const [action] = await seedOpenActions(db, stack.slack, 1, {
      reason: "replace_domain",
      openedAt: () => new Date(Date.now() - 5 * HOUR),
    });
    const first = await waitFor(() => replies(action!.ts)[0], { what: "the nudge" });
    expect(first.text).toMatch(
      /^<!subteam\^S0OPSGROUP1> <!subteam\^S0OPSGROUP2> Still open after 5 h( \d+ min)?, past its 4 h SLA$/,
    );
    expect(first.text).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U0OPERATOR>/);
    expect(first.reply_broadcast).toBe(false);
    await settle();
    expect(replies(action!.ts)).toHaveLength(1);

    // Four hours pass (every stored instant moves back 4 h): the second period, from opened + 8 h, gets its own
    // nudge, and only one.
    await db
      .updateTable("pending_actions")
      .set({
        opened_at: sql`opened_at - interval '4 hours'`,
        sla_nudged_for: sql`sla_nudged_for - interval '4 hours'`,
      })
      .where("id", "=", action!.id)
      .execute();
    await waitFor(() => replies(action!.ts).length === 2, { what: "the second period's nudge" });
    await settle();
    expect(replies(action!.ts)).toHaveLength(2);
    expect(replies(action!.ts)[1]?.text).toMatch(/Still open after 9 h/);
    const audit = await db
      .selectFrom("audit_log")
      .select("details")
      .where("action", "=", "action.nudged")
      .where("pending_action_id", "=", action!.id)
      .execute();
    expect(audit).toHaveLength(2);
    const metrics = await Promise.all(stack.bots.map(async (b) => (await fetch(`${b.url}/metrics`)).text()));
    const nudged = metrics.map((m) => Number(/^peeker_sla_nudges_total (\d+)$/m.exec(m)?.[1] ?? 0));
    expect(nudged.reduce((a, b) => a + b, 0)).toBe(2);
    expect(metrics[0]).toMatch(/peeker_job_last_run_ok\{job="nudge"\} 1/);
  });

  it("mentions the claimer of a claimed action, and nobody else", { timeout: 30_000 }, async () => {
    const { db } = stack.database.handle;
    const [action] = await seedOpenActions(db, stack.slack, 1, {
      reason: "replace_domain",
      openedAt: () => new Date(Date.now() - 5 * HOUR),
      claimedBy: () => "U0CLAIMER",
    });
    const nudge = await waitFor(() => replies(action!.ts)[0], { what: "the nudge" });
    expect(nudge.text).toMatch(/^<@U0CLAIMER> Still open after 5 h/);
    expect(nudge.text).not.toContain("subteam");
  });

  it("leaves alone actions within their SLA and actions being resolved", { timeout: 30_000 }, async () => {
    const { db } = stack.database.handle;
    const [fresh] = await seedOpenActions(db, stack.slack, 1, {
      reason: "update_nameservers", // 1440-minute SLA
      openedAt: () => new Date(Date.now() - 5 * HOUR),
    });
    const [resolving] = await seedOpenActions(db, stack.slack, 1, {
      reason: "replace_domain",
      openedAt: () => new Date(Date.now() - 5 * HOUR),
      state: "resolving",
    });
    await settle();
    expect(replies(fresh!.ts)).toHaveLength(0);
    expect(replies(resolving!.ts)).toHaveLength(0);
    const runs = await db.selectFrom("runs").select("slot").where("job", "=", "nudge").execute();
    expect(new Set(runs.map((r) => r.slot)).size).toBe(runs.length);
  });
});
