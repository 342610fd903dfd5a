import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { LIMITS } from "../support/slack-fake/index.js";
import {
  buildAppHomeOpened,
  buildBlockActions,
  eventBody,
  interactionBody,
  postSigned,
} from "../support/slack-signing.js";
import { allText, seedOpenActions } from "../support/visibility.js";

/** The App Home: published on app_home_opened with the right counts, and republished when the queue changes. */
describe("App Home", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "app-home" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const publishes = (user: string) =>
    stack.slack.calls("views.publish").filter((c) => c.args.user_id === user && c.status === 200);
  const latestHome = (user: string) => stack.slack.homeView(user)?.view as { blocks?: unknown[] } | undefined;
  const send = (payload: Record<string, unknown>, request = eventBody(payload)) =>
    postSigned(`${stack.bots[0]!.url}/slack/events`, request, stack.env.SLACK_SIGNING_SECRET!);

  it("publishes the queue by reason, oldest first, claimed by me, the last reconcile with its drift, failed events and lag", {
    timeout: 30_000,
  }, async () => {
    const { db } = stack.database.handle;
    await seedOpenActions(db, stack.slack, 3, {
      reason: "update_nameservers",
      claimedBy: (i) => (i === 0 ? "U0OPERATOR" : null),
    });
    await seedOpenActions(db, stack.slack, 2, { reason: "replace_domain", claimedBy: () => "U0SOMEONE" });
    await db
      .insertInto("webhook_events")
      .values({
        event_id: "evt_home_failed",
        type: "swap.action_required",
        peeker_timestamp: new Date(),
        payload: "{}",
        failed_at: new Date(),
        last_error: "Peeker timeout",
      })
      .execute();
    await db.insertInto("runs").values({ job: "reconcile", slot: "s1", runner: "t" }).execute();
    await db
      .updateTable("runs")
      .set({
        outcome: "succeeded",
        finished_at: new Date(),
        counts: JSON.stringify({ opened: 4, resolved: 1 }),
      })
      .execute();

    expect((await send(buildAppHomeOpened({ user: "U0OPERATOR" }))).status).toBe(200);
    await waitFor(() => publishes("U0OPERATOR").length > 0, { what: "views.publish" });
    const home = latestHome("U0OPERATOR")!;
    expect(home.blocks!.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    const text = allText(home);
    expect(text).toContain("Peeker queue: 5 open");
    expect(text).toMatch(/Nameservers not updated: \*3\*/);
    expect(text).toMatch(/Domain must be replaced: \*2\*/);
    expect(text).toContain("*Claimed by me (1)*");
    expect(text).toContain("*Oldest first*");
    expect(text).toContain("drift: 4 opened, 1 resolved outside Slack");
    expect(text).toContain("Failed events: 1");
    expect(text).toContain("evt_home_failed");
    expect(text).toContain("Webhook inbox: 0 waiting, lag none");
    expect(text).toMatch(
      /<https:\/\/fake\.slack\.com\/archives\/C0SUPPORT01\/p\d+\|Nameservers not updated>/,
    );

    // The same reconcile figures reach /metrics, read from the runs table.
    const metrics = await (await fetch(`${stack.bots[0]!.url}/metrics`)).text();
    expect(metrics).toContain('peeker_job_last_run_count{job="reconcile",count="opened"} 4');
    expect(metrics).toContain('peeker_job_last_run_ok{job="reconcile"} 1');
    expect(metrics).toMatch(/peeker_job_last_run_timestamp_seconds\{job="reconcile"\} \d+/);

    // Another user sees the same queue but their own claims.
    await send(buildAppHomeOpened({ user: "U0SOMEONE" }));
    await waitFor(() => publishes("U0SOMEONE").length > 0, { what: "the second user's Home" });
    expect(allText(latestHome("U0SOMEONE"))).toContain("*Claimed by me (2)*");
  });

  it("keeps the tab fresh: a queue change republishes it for recent viewers", {
    timeout: 30_000,
  }, async () => {
    const before = publishes("U0OPERATOR").length;
    await seedOpenActions(stack.database.handle.db, stack.slack, 1, { reason: "replace_domain" });
    await waitFor(() => publishes("U0OPERATOR").length > before, { timeoutMs: 20_000, what: "a republish" });
    expect(allText(latestHome("U0OPERATOR"))).toContain("Peeker queue: 6 open");
  });

  it("publishes nothing for the Messages tab, and republishes on Refresh", async () => {
    await send(buildAppHomeOpened({ user: "U0MESSAGES", tab: "messages" }));
    // A Home-tab event sent after it, to the same bot, is handled: the Messages-tab one (same path, no Peeker or
    // Slack call before the tab check) was handled before it.
    await send(buildAppHomeOpened({ user: "U0SENTINEL", tab: "home" }));
    await waitFor(() => publishes("U0SENTINEL").length > 0, { what: "the later Home-tab event's publish" });
    expect(publishes("U0MESSAGES")).toHaveLength(0);
    const response = await send(
      {},
      interactionBody(
        buildBlockActions({
          actionId: "peeker:home:refresh",
          value: "home",
          userId: "U0MESSAGES",
          view: { id: "V1", type: "home" },
        }),
      ),
    );
    expect(response.status).toBe(200);
    await waitFor(() => publishes("U0MESSAGES").length > 0, { what: "the refreshed Home" });
    // Refresh published once; a publish for the Messages tab would have made it two.
    expect(publishes("U0MESSAGES")).toHaveLength(1);
  });
});
