import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BotProcess, QUICK_ANSWERS } from "../support/bot-process.js";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { buildBlockActions, interactionBody, postSigned } from "../support/slack-signing.js";
import { allText, hookAnswer, slash } from "../support/visibility.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * `/peeker order|import|swap|domain`: success (with the open action's card and its buttons, and *Share in
 * channel*), a bad id, Peeker's `not_found`, and a slow Peeker answered through the response_url.
 */
describe("/peeker lookups", () => {
  let stack: Stack;
  let quick: BotProcess;
  beforeAll(async () => {
    stack = await startStack({ name: "commands" });
    quick = await stack.startBot(QUICK_ANSWERS, "commands-quick");
  });
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(() => {
    stack.sim.control.clearFaults();
  });

  const cardFor = (key: string) =>
    waitFor(
      () => stack.slack.channelMessages(CHANNEL).find((m) => m.metadata?.event_payload.card_key === key),
      {
        what: `the card ${key}`,
      },
    );

  /**
   * A Peeker that takes 1.5 s: past the 0.5 s the quick bot waits before acking "Working on it…" (and within the
   * default 2.2 s, so an answer window that is not read from SLACK_ANSWER_WINDOW_MS shows here).
   */
  const slowPeeker = (route: string) =>
    stack.sim.control.injectFault({ route, times: "always", fault: { kind: "latency", ms: 1500 } });

  const expectSlowAnswer = async (text: string, route: string, expected: string) => {
    slowPeeker(route);
    // Acked before Peeker answered (its 1.5 s are past the window), whatever the machine's load.
    const result = await slash(stack, text, { botUrl: quick.url });
    expect(result.status).toBe(200);
    expect(result.ack.text).toBe("Working on it…");
    const answer = await hookAnswer(stack.slack, result.hookId);
    expect(answer.response_type).toBe("ephemeral");
    expect(allText(answer)).toContain(expected);
  };

  describe("order", () => {
    it("shows the order's status, domains and its open action as a card with its buttons, ephemeral and shareable", async () => {
      const { order } = stack.sim.control.seedOrder({
        status: "action_required",
        email: "order-lookup@acme.com",
        domains: ["order-lookup-a.com", "order-lookup-b.com"],
      });
      await stack.sender.send(
        buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } }),
      );
      await cardFor(`profile_picture_not_accessible:${order.id}`);

      const { status, ack } = await slash(stack, `order ${order.id}`);
      expect(status).toBe(200);
      expect(ack.response_type).toBe("ephemeral");
      const text = allText(ack);
      expect(text).toContain(order.id);
      expect(text).toContain("`action_required`");
      expect(text).toContain("order-lookup-a.com");
      expect(text).toContain("order-lookup@acme.com");
      expect(buttonTexts(ack.blocks)).toEqual(
        expect.arrayContaining(["Fix picture & reorder…", "Claim", "Refresh", "Share in channel"]),
      );
      expect(ack.blocks!.length).toBeLessThanOrEqual(50);
    });

    it("explains a malformed id without calling Peeker", async () => {
      stack.sim.control.clearRequests();
      for (const bad of ["12345", "imp_01HZX0IM1A2B3C4D5E6F7G8H", "ord_!!", ""]) {
        const { ack } = await slash(stack, `order ${bad}`.trim());
        expect(ack.text).toMatch(/(is not|Missing) an order id: they look like `ord_/);
        expect(buttonTexts(ack.blocks)).not.toContain("Share in channel");
      }
      expect(stack.sim.control.requests({ route: "/orders/{id}" })).toHaveLength(0);
    });

    it("turns Peeker's not_found into words", async () => {
      const { ack } = await slash(stack, "order ord_01HZZZZZZZZZZZZZZZZZZZZZZZ");
      expect(ack.text).toBe("No such order in this account: `ord_01HZZZZZZZZZZZZZZZZZZZZZZZ`.");
    });

    it("answers through the response_url when Peeker is slow", async () => {
      const { order } = stack.sim.control.seedOrder({ domains: ["order-slow.com"] });
      await expectSlowAnswer(`order ${order.id}`, "GET /orders/{id}", order.id);
    });

    it("shares the answer in the channel, run again, with who shared it", async () => {
      const { order } = stack.sim.control.seedOrder({ domains: ["order-share.com"] });
      const hookId = `share-${Date.now()}`;
      const response = await postSigned(
        `${stack.bots[0]!.url}/slack/events`,
        interactionBody(
          buildBlockActions({
            actionId: "peeker:share",
            value: `order ${order.id}`,
            responseUrl: stack.slack.responseUrl(hookId),
            overrides: { container: { type: "message", message_ts: "1.2", is_ephemeral: true } },
          }),
        ),
        stack.env.SLACK_SIGNING_SECRET!,
      );
      expect(response.status).toBe(200);
      const shared = await hookAnswer(stack.slack, hookId);
      expect(shared.response_type).toBe("in_channel");
      expect(allText(shared)).toContain(order.id);
      expect(allText(shared)).toContain("<@U0OPERATOR> shared");
      expect(buttonTexts(shared.blocks)).not.toContain("Share in channel");
    });

    it("says a Peeker failure in words, with no stack trace", async () => {
      stack.sim.control.injectFault({ route: "GET /orders/{id}", fault: { kind: "error", status: 500 } });
      const { ack } = await slash(stack, "order ord_01HZX0OR1A2B3C4D5E6F7G8H");
      expect(ack.text).toMatch(/^Sorry, `\/peeker order` failed\. Peeker had an internal error/);
      expect(ack.text).not.toMatch(/\n\s+at /);
    });
  });

  describe("import", () => {
    it("shows an import by id and by domain, with its nameservers and its card", async () => {
      const imp = stack.sim.control.seedImport({ domains: ["import-lookup.com"], status: "action_required" });
      await stack.sender.send(
        buildEvent({
          type: "domain_import.action_required",
          data: { id: imp.id, status: "action_required" },
        }),
      );
      await cardFor(`update_nameservers:${imp.id}`);
      for (const arg of [imp.id, "import-lookup.com", "<http://import-lookup.com|import-lookup.com>"]) {
        const { ack } = await slash(stack, `import ${arg}`);
        const text = allText(ack);
        expect(text).toContain(imp.id);
        expect(text).toContain("action_required");
        expect(text).toMatch(/ns\.cloudflare\.com|helena|idris/);
        expect(buttonTexts(ack.blocks)).toEqual(
          expect.arrayContaining(["Send nameservers…", "Share in channel"]),
        );
      }
    });

    it("explains input that is neither an import id nor a domain", async () => {
      const { ack } = await slash(stack, "import not_a_domain!");
      expect(ack.text).toContain("is neither an import id nor a domain");
    });

    it("turns not_found into words, for an id and for a domain", async () => {
      expect((await slash(stack, "import imp_01HZZZZZZZZZZZZZZZZZZZZZZZ")).ack.text).toBe(
        "No such import in this account: `imp_01HZZZZZZZZZZZZZZZZZZZZZZZ`.",
      );
      expect((await slash(stack, "import nobody-imported-this.com")).ack.text).toBe(
        "No import with `nobody-imported-this.com` in this account.",
      );
    });

    it("answers through the response_url when Peeker is slow", async () => {
      const imp = stack.sim.control.seedImport({ domains: ["import-slow.com"] });
      await expectSlowAnswer(`import ${imp.id}`, "GET /domains/import/{id}", imp.id);
    });
  });

  describe("swap", () => {
    it("shows a swap and the open action of its domain", async () => {
      const { domains } = stack.sim.control.seedOrder({ status: "completed", domains: ["swap-lookup.com"] });
      const swap = stack.sim.control.seedSwap({ domain_id: domains[0]!.id, status: "action_required" });
      await stack.sender.send(
        buildEvent({ type: "swap.action_required", data: { id: swap.id, status: "action_required" } }),
      );
      await cardFor(`replace_domain:${domains[0]!.id}`);
      const { ack } = await slash(stack, `swap ${swap.id}`);
      const text = allText(ack);
      expect(text).toContain(swap.id);
      expect(text).toContain(domains[0]!.id);
      expect(buttonTexts(ack.blocks)).toEqual(expect.arrayContaining(["Swap domain…", "Share in channel"]));
    });

    it("explains a malformed id", async () => {
      expect((await slash(stack, "swap ord_01HZX0OR1A2B3C4D5E6F7G8H")).ack.text).toMatch(/is not a swap id/);
    });

    it("turns not_found into words", async () => {
      expect((await slash(stack, "swap swp_01HZZZZZZZZZZZZZZZZZZZZZZZ")).ack.text).toBe(
        "No such swap in this account: `swp_01HZZZZZZZZZZZZZZZZZZZZZZZ`.",
      );
    });

    it("answers through the response_url when Peeker is slow", async () => {
      const { domains } = stack.sim.control.seedOrder({ status: "completed", domains: ["swap-slow.com"] });
      const swap = stack.sim.control.seedSwap({ domain_id: domains[0]!.id });
      await expectSlowAnswer(`swap ${swap.id}`, "GET /swaps/{id}", swap.id);
    });
  });

  describe("domain", () => {
    it("shows a domain's status, order and open action", async () => {
      const domain = stack.sim.control.seedDomain({ domain: "domain-lookup.com", status: "action_required" });
      await stack.sender.send(
        buildEvent({ type: "domain.action_required", data: { id: domain.id, status: "action_required" } }),
      );
      await cardFor(`replace_domain:${domain.id}`);
      const { ack } = await slash(stack, "domain Domain-Lookup.com");
      const text = allText(ack);
      expect(text).toContain(domain.id);
      expect(text).toContain("domain-lookup.com");
      expect(buttonTexts(ack.blocks)).toEqual(expect.arrayContaining(["Swap domain…", "Share in channel"]));
    });

    it("finds a domain no tracked action knows by walking Peeker's list", async () => {
      const domain = stack.sim.control.seedDomain({ domain: "domain-walk.com" });
      const { ack } = await slash(stack, "domain domain-walk.com");
      expect(allText(ack)).toContain(domain.id);
    });

    it("explains something that is not a domain name", async () => {
      expect((await slash(stack, "domain not/a domain")).ack.text).toMatch(/is not a domain name/);
      expect((await slash(stack, "domain")).ack.text).toMatch(/^Missing a domain name/);
    });

    it("turns an unknown domain into words", async () => {
      expect((await slash(stack, "domain nowhere-to-be-found.com")).ack.text).toBe(
        "No such domain in this account: `nowhere-to-be-found.com`.",
      );
    });

    it("answers through the response_url when Peeker is slow", async () => {
      stack.sim.control.seedDomain({ domain: "domain-slow.com" });
      await expectSlowAnswer("domain domain-slow.com", "GET /domains", "domain-slow.com");
    });
  });
});
