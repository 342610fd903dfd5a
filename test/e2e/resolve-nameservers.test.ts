import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor, waitForIdle } from "../support/e2e.js";
import {
  auditRows,
  cardShowing,
  eventsUrl,
  OPERATOR,
  openCard,
  openedForm,
  press,
  radio,
  rowByKey,
  signingSecret,
  submit,
  text,
  threadTexts,
  viewText,
} from "../support/interactions.js";
import { postSigned, slashCommandBody } from "../support/slack-signing.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * *Send nameservers…* end to end (design §1): the customer-ready message from the import's nameserver groups,
 * "Send to" the linked customer channel or the card thread, "Customer notified by @x" on a card that stays open
 * until Peeker reports the import done; and `/peeker link` that makes the channel known.
 */

const CUSTOMER_CHANNEL = "C0CUSTOMER1";

describe("send nameservers", () => {
  let stack: Stack;
  let seq = 0;

  beforeAll(async () => {
    stack = await startStack({ name: "resolve-nameservers" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const slash = async (commandText: string) => {
    const answer = await postSigned(
      eventsUrl(stack),
      slashCommandBody({ text: commandText, user_id: OPERATOR, channel_id: CHANNEL }),
      signingSecret(stack),
    );
    return String((answer.json as { text?: string } | undefined)?.text ?? answer.text);
  };

  const formValues = (message: string, sendTo: "customer" | "thread") => ({
    [BLOCK_IDS.message]: { [INPUT_ACTION_IDS.message]: text(message) },
    [BLOCK_IDS.sendTo]: { [INPUT_ACTION_IDS.sendTo]: radio(sendTo) },
  });

  async function importCard() {
    seq++;
    const domains = [`ns-a-${seq}.com`, `ns-b-${seq}.com`, `ns-c-${seq}.com`];
    const imp = stack.sim.control.seedImport({
      domains,
      status: "action_required",
      nameserver_groups: [
        {
          nameservers: ["helena.ns.cloudflare.com", "idris.ns.cloudflare.com"],
          domains: domains.slice(0, 2),
        },
        { nameservers: ["anna.ns.cloudflare.com", "bob.ns.cloudflare.com"], domains: domains.slice(2) },
      ],
    });
    const key = `update_nameservers:${imp.id}`;
    const opened = await openCard(
      stack,
      { type: "domain_import.action_required", data: { id: imp.id, status: "action_required" } },
      key,
    );
    return { imp, domains, key, ...opened };
  }

  it("builds the message from every nameserver group, posts it in the card thread and records who notified", async () => {
    const { imp, domains, key, row, card } = await importCard();
    expect(buttonTexts(card.blocks)).toEqual(
      expect.arrayContaining(["Send nameservers…", "Claim", "Refresh"]),
    );
    const { triggerId } = await press(stack, {
      actionId: ACTION_IDS.nameserversOpen,
      pendingActionId: row.id,
    });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.nameserversSubmit);
    const shown = viewText(form.view);
    for (const host of ["helena.ns.cloudflare.com", "idris.ns.cloudflare.com", "anna.ns.cloudflare.com"]) {
      expect(shown).toContain(host);
    }
    for (const domain of domains) expect(shown).toContain(domain);
    expect(shown).toContain('"text":"Message"');
    expect(shown).toContain('"text":"Send to"');
    // No customer is known for an import: the thread is the only destination.
    expect(shown).not.toContain('"value":"customer"');

    const blocks = form.view.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>;
    const message = blocks.find((b) => b.block_id === BLOCK_IDS.message)?.element?.initial_value ?? "";
    expect(message).toContain(`For ${domains[2]}:`);

    stack.sim.control.clearRequests();
    const answer = await submit(stack, { view: form, values: formValues(message, "thread") });
    expect(viewText(answer.json)).toContain("Message sent in the card's thread");
    // Peeker is only read in this flow: no write of any kind.
    expect(stack.sim.control.requests().filter((r) => r.method !== "GET")).toEqual([]);

    const after = await rowByKey(stack, key);
    expect(after?.state).toBe("open");
    expect(after?.claimed_by).toBe(OPERATOR);
    await cardShowing(stack, key, `Customer notified by <@${OPERATOR}>`);
    const thread = await waitFor(
      () => {
        const lines = threadTexts(stack, card);
        return lines.some((l) => l.includes("helena.ns.cloudflare.com")) &&
          lines.some((l) => l.startsWith("Customer notified by"))
          ? lines
          : undefined;
      },
      { what: "the message and the notified line in the thread" },
    );
    expect(thread.find((l) => l.includes("helena.ns.cloudflare.com"))).toContain("anna.ns.cloudflare.com");
    const audit = await auditRows(stack, row.id);
    const notified = audit.find((a) => a.action === "customer.notified");
    expect(notified?.actor).toBe(OPERATOR);
    expect(notified?.details).toMatchObject({ destination: "thread" });
    expect(audit.some((a) => a.action === "peeker.call" && a.peeker_request_id?.startsWith("req_"))).toBe(
      true,
    );

    // The card stays open (and keeps its button) until Peeker reports the import done.
    expect(buttonTexts((await cardShowing(stack, key, "Customer notified")).blocks)).toContain(
      "Send nameservers…",
    );
    stack.sim.control.complete("import", imp.id);
    await stack.sender.send(
      buildEvent({ type: "domain_import.completed", data: { id: imp.id, status: "completed" } }),
    );
    await cardShowing(stack, key, "Resolved");
  });

  it("links a customer with /peeker link and sends the edited message to that channel", async () => {
    seq++;
    const name = `ns-linked-${seq}.com`;
    const { order, domains } = stack.sim.control.seedOrder({ domains: [name], email: `ns-${seq}@acme.com` });
    const domain = domains[0]!;
    stack.sim.control.requireAction("domain", domain.id, { reason: "update_nameservers" });
    const key = `update_nameservers:${domain.id}`;
    const { row, card } = await openCard(
      stack,
      { type: "domain.action_required", data: { id: domain.id, domain: name, status: "action_required" } },
      key,
    );

    // Slack escapes the channel (manifest should_escape): <#C…|name>.
    const linked = await slash(`link ${order.user_id} <#${CUSTOMER_CHANNEL}|acme-support>`);
    expect(linked).toContain("Linked");
    const link = await stack.database.handle.db
      .selectFrom("customer_channels")
      .selectAll()
      .where("user_id", "=", order.user_id)
      .executeTakeFirst();
    expect(link).toMatchObject({ channel: CUSTOMER_CHANNEL, linked_by: OPERATOR });

    const { triggerId } = await press(stack, {
      actionId: ACTION_IDS.nameserversOpen,
      pendingActionId: row.id,
    });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.nameserversSubmit);
    expect(viewText(form.view)).toContain(`<#${CUSTOMER_CHANNEL}>`);
    expect(viewText(form.view)).toContain('"value":"customer"');

    const edited = `Hi Acme! Please set ns1.example-dns.com and ns2.example-dns.com for ${name}.`;
    const answer = await submit(stack, { view: form, values: formValues(edited, "customer") });
    expect(viewText(answer.json)).toContain(`<#${CUSTOMER_CHANNEL}>`);
    // Sent after the commit by the outbox (issue #10): wait for it, then check it went once.
    const posted = await waitFor(
      () =>
        stack.slack.messages(CUSTOMER_CHANNEL).length > 0
          ? stack.slack.messages(CUSTOMER_CHANNEL)
          : undefined,
      { what: "the customer message" },
    );
    expect(posted.map((m) => m.text)).toEqual([edited]);
    await cardShowing(stack, key, `Customer notified by <@${OPERATOR}> in <#${CUSTOMER_CHANNEL}>`);
    await waitFor(() => threadTexts(stack, card).some((l) => l.includes(`in <#${CUSTOMER_CHANNEL}>`)), {
      what: "the thread line",
    });
    const notified = (await auditRows(stack, row.id)).find((a) => a.action === "customer.notified");
    expect(notified?.details).toMatchObject({ destination: CUSTOMER_CHANNEL, message: edited });
  });

  it("accepts an escaped email, a plain email and refuses nonsense in /peeker link", async () => {
    seq++;
    const email = `linkme-${seq}@acme.com`;
    const { order } = stack.sim.control.seedOrder({ domains: [`linkme-${seq}.com`], email });
    // The customer is found through Peeker (GET /orders?user_email=…) by email.
    expect(await slash(`link <mailto:${email}|${email}> <#C0CUSTOMER2|two>`)).toContain(order.user_id);
    expect(await slash(`link ${email.toUpperCase()} <#C0CUSTOMER3>`)).toContain("C0CUSTOMER3");
    const row = await stack.database.handle.db
      .selectFrom("customer_channels")
      .selectAll()
      .where("user_id", "=", order.user_id)
      .executeTakeFirst();
    expect(row).toMatchObject({ channel: "C0CUSTOMER3", email });
    expect(await slash("link nobody-here@acme.com <#C0CUSTOMER3>")).toContain("No customer with the email");
    expect(await slash(`link ${order.user_id} #general`)).toContain("Mention the channel");
    expect(await slash("link <#C0CUSTOMER3>")).toContain("Usage");
  });

  it("messages the customer once when the same submit arrives twice, and refuses an empty message", async () => {
    const { key, row, card } = await importCard();
    const { triggerId } = await press(stack, {
      actionId: ACTION_IDS.nameserversOpen,
      pendingActionId: row.id,
    });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.nameserversSubmit);

    const empty = await submit(stack, { view: form, values: formValues("   ", "thread") });
    expect((empty.json as { errors?: Record<string, string> }).errors?.[BLOCK_IDS.message]).toContain(
      "fill this in",
    );

    const unique = `Nameservers for card ${row.id}: helena / idris`;
    const [a, b] = await Promise.all([
      submit(stack, { view: form, values: formValues(unique, "thread") }),
      submit(stack, { view: form, values: formValues(unique, "thread") }),
    ]);
    expect([viewText(a.json), viewText(b.json)].filter((t) => t.includes("Message sent"))).toHaveLength(1);
    await cardShowing(stack, key, "Customer notified");
    await waitFor(() => threadTexts(stack, card).some((l) => l.includes(unique)), { what: "the message" });
    // The thread outbox drained: no second copy of the message can be posted any more.
    await waitForIdle(stack.database.handle.db);
    expect(threadTexts(stack, card).filter((l) => l.includes(unique))).toHaveLength(1);
  });
});
