import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QUICK_ANSWERS } from "../support/bot-process.js";
import { buttonTexts, type Stack, startStack, waitFor } from "../support/e2e.js";
import { buildBlockActions, interactionBody, postSigned } from "../support/slack-signing.js";
import {
  allText,
  digestRequestsInOneSlot,
  digests,
  hookAnswer,
  seedOpenActions,
  slash,
} from "../support/visibility.js";

/**
 * `/peeker pending|status|digest|help`: success, bad input, nothing found, and a slow Peeker (status answers
 * through the response_url; the others never wait on Peeker, so they still answer inline).
 */
describe("/peeker queue, status, digest and help", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "commands-queue" });
    const { db } = stack.database.handle;
    await seedOpenActions(db, stack.slack, 3, { reason: "update_nameservers" });
    await seedOpenActions(db, stack.slack, 2, { reason: "replace_domain" });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(() => {
    stack.sim.control.clearFaults();
  });

  const allRoutesSlow = () =>
    stack.sim.control.injectFault({ times: "always", fault: { kind: "latency", ms: 3000 } });

  describe("pending", () => {
    it("lists the whole queue by reason, oldest first, with links to the cards", async () => {
      const { ack } = await slash(stack, "pending");
      const text = allText(ack);
      expect(text).toContain("*5 open in all*");
      expect(text).toContain("Nameservers not updated (`update_nameservers`): *3*");
      expect(text).toContain("Domain must be replaced (`replace_domain`): *2*");
      expect(text).toMatch(
        /<https:\/\/fake\.slack\.com\/archives\/C0SUPPORT01\/p\d+\|Nameservers not updated>/,
      );
      expect(buttonTexts(ack.blocks)).toContain("Share in channel");
    });

    it("filters by reason", async () => {
      const { ack } = await slash(stack, "pending replace_domain");
      const text = allText(ack);
      expect(ack.text).toBe("2 open for Domain must be replaced");
      expect(text).not.toContain("|Nameservers not updated>");
    });

    it("explains a malformed reason", async () => {
      expect((await slash(stack, "pending Bad-Reason!")).ack.text).toMatch(
        /is not a reason\. Reasons look like/,
      );
    });

    it("says when nothing is open for a reason", async () => {
      expect((await slash(stack, "pending profile_picture_not_accessible")).ack.text).toBe(
        "Nothing is open for reason profile_picture_not_accessible.",
      );
    });

    it("answers inline even when Peeker is slow (the queue is the database's)", async () => {
      allRoutesSlow();
      stack.sim.control.clearRequests();
      const { ack } = await slash(stack, "pending");
      expect(ack.text).toBe("5 open");
      // Not one Peeker call: the answer never waited for Peeker, however long it took on a loaded machine.
      expect(stack.sim.control.requests()).toHaveLength(0);
    });
  });

  describe("status", () => {
    it("lists failed events with Retry, inbox lag, the last reconcile with its drift, and Peeker's health", async () => {
      const { db } = stack.database.handle;
      await db
        .insertInto("webhook_events")
        .values({
          event_id: "evt_status_failed_1",
          type: "order.action_required",
          peeker_timestamp: new Date(),
          payload: JSON.stringify({ id: "evt_status_failed_1" }),
          attempts: 10,
          failed_at: new Date(),
          last_error: "Peeker internal_error (request req_1): boom",
        })
        .execute();
      await db
        .insertInto("runs")
        .values({ job: "reconcile", slot: "2026-01-01T00:00:00.000Z", runner: "test" })
        .execute();
      await db
        .updateTable("runs")
        .set({
          outcome: "succeeded",
          finished_at: new Date(),
          counts: JSON.stringify({ opened: 3, resolved: 2, seen: 40 }),
        })
        .where("job", "=", "reconcile")
        .execute();

      const { ack } = await slash(stack, "status");
      const text = allText(ack);
      expect(text).toContain("evt_status_failed_1");
      expect(text).toContain("Failed events: 1");
      expect(text).toContain("Webhook inbox: 0 waiting");
      expect(text).toContain("drift: 3 opened, 2 resolved outside Slack");
      expect(text).toMatch(/Peeker: answering \(sandbox, `full` key\)/);
      expect(text).toContain("Slack: every card is posted");
      expect(buttonTexts(ack.blocks)).toEqual(expect.arrayContaining(["Retry", "Share in channel"]));

      const hookId = `retry-${Date.now()}`;
      const pressed = await postSigned(
        `${stack.bots[0]!.url}/slack/events`,
        interactionBody(
          buildBlockActions({
            actionId: "peeker:status:retry_event",
            value: "evt_status_failed_1",
            responseUrl: stack.slack.responseUrl(hookId),
          }),
        ),
        stack.env.SLACK_SIGNING_SECRET!,
      );
      expect(pressed.status).toBe(200);
      expect((await hookAnswer(stack.slack, hookId)).text).toContain("is back in the inbox");
      const row = await db
        .selectFrom("webhook_events")
        .select(["failed_at", "attempts"])
        .where("event_id", "=", "evt_status_failed_1")
        .executeTakeFirstOrThrow();
      expect(row.failed_at).toBeNull();
      const audit = await db
        .selectFrom("audit_log")
        .select(["actor", "action"])
        .where("resource_id", "=", "evt_status_failed_1")
        .execute();
      expect(audit).toContainEqual({ actor: "U0OPERATOR", action: "event.retry_requested" });
    });

    it("says when Peeker refuses the key, instead of failing", async () => {
      stack.sim.control.injectFault({
        route: "GET /me",
        fault: { kind: "error", status: 401, code: "unauthorized" },
      });
      const { ack } = await slash(stack, "status");
      expect(allText(ack)).toContain("Peeker refused the bot's API key");
    });

    it("answers through the response_url when Peeker is slow", async () => {
      // A bot that acks after 0.5 s: Peeker's 3 s are past it whatever the machine's load.
      const quick = await stack.startBot(QUICK_ANSWERS, "commands-queue-quick");
      stack.sim.control.injectFault({
        route: "GET /me",
        times: "always",
        fault: { kind: "latency", ms: 3000 },
      });
      const { ack, hookId } = await slash(stack, "status", { botUrl: quick.url });
      expect(ack.text).toBe("Working on it…");
      expect(allText(await hookAnswer(stack.slack, hookId))).toMatch(/Peeker: answering/);
    });
  });

  describe("digest", () => {
    it("posts the digest now, and once only for two requests in the same minute", async () => {
      allRoutesSlow();
      // Both requests in one manual slot (the UTC minute), asked again if they straddled a minute boundary.
      const url = stack.bots[0]!.url;
      const { answers, slot } = await digestRequestsInOneSlot(stack, [url, url], { together: false });
      const [first, second] = answers;
      expect(first!.ack.text).toBe("Digest posted in <#C0SUPPORT01> (5 open).");
      expect(second!.ack.text).toBe("A digest was already posted in <#C0SUPPORT01> this minute.");
      expect(digests(stack.slack, slot)).toHaveLength(1);
    }, 180_000);
  });

  describe("help", () => {
    it("lists every subcommand for help and for an empty command", async () => {
      for (const text of ["help", ""]) {
        const { ack } = await slash(stack, text);
        for (const usage of [
          "order <ord_id>",
          "pending [reason]",
          "import <imp_id|domain>",
          "swap <swp_id>",
          "domain <name>",
          "status",
          "digest",
          "help",
        ]) {
          expect(ack.text).toContain(`/peeker ${usage}`);
        }
      }
    });

    it("answers unknown input with the help text, never a stack trace", async () => {
      const { status, ack } = await slash(stack, "frobnicate ord_1 <@U1>");
      expect(status).toBe(200);
      expect(ack.text).toMatch(/^I don't know `frobnicate`\.\n\*What `\/peeker` can do\*/);
    });
  });

  it("leaves the digest metadata and counts consistent with the queue", async () => {
    const digest = await waitFor(() => digests(stack.slack)[0], { what: "the digest" });
    expect(digest.metadata?.event_payload).toMatchObject({ open: 5 });
  });
});
