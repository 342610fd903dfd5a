import { describe, expect, it } from "vitest";
import { BLOCK_IDS, pictureUrlBlockId } from "../../src/bot/action-ids.js";
import { problemInWords, refusalInWords } from "../../src/bot/error-words.js";
import { parseLinkArgs } from "../../src/bot/listeners/commands/link.js";
import { fieldErrors } from "../../src/bot/listeners/interaction-kit.js";
import { nameserverMessage, nameserversModal } from "../../src/bot/views/nameservers-modal.js";
import { reorderModal } from "../../src/bot/views/reorder-modal.js";
import { swapModal } from "../../src/bot/views/swap-modal.js";
import { PeekerError } from "../../src/peeker/errors.js";
import { validateView } from "../support/slack-fake/index.js";

/** The modals' texts are the ones of design §3 "What users read", within Slack's limits (pure views). */
describe("resolution modals", () => {
  const labels = (view: unknown) =>
    ((view as { blocks: Array<{ type: string; label?: { text: string } }> }).blocks ?? [])
      .filter((b) => b.type === "input")
      .map((b) => b.label?.text);

  it("swap: Replacement domain and Swap type; premium only for Microsoft domains", () => {
    const google = swapModal({
      pendingActionId: "7",
      domain: { id: "dom_1", name: "old.com", provider: "google" },
      premiumAllowed: false,
    });
    expect(labels(google)).toEqual(["Replacement domain", "Swap type"]);
    expect(JSON.stringify(google)).not.toContain('"value":"premium"');
    const microsoft = swapModal({
      pendingActionId: "7",
      domain: { id: "dom_1", name: "old.com", provider: "microsoft" },
      premiumAllowed: true,
    });
    expect(JSON.stringify(microsoft)).toContain('"value":"premium"');
    expect(JSON.parse(String(microsoft.private_metadata))).toEqual({ id: "7" });
    expect(validateView(microsoft, "modal")).toBeUndefined();
  });

  it("reorder: one URL per failing persona by name, the cancel box, and the login only when asked", () => {
    const view = reorderModal({
      pendingActionId: "9",
      orderId: "ord_1",
      failing: [
        { index: 0, firstName: "Sam", lastName: "Lee", badUrl: "http://localhost/sam.jpg" },
        { index: 2, firstName: "Ana", lastName: "Ruiz", badUrl: null },
      ],
      askLogin: { email: false, password: true },
    });
    expect(labels(view)).toEqual([
      "New picture URL for Sam Lee",
      "New picture URL for Ana Ruiz",
      "Sequencer login password",
      "Cancel the original order first",
    ]);
    const blocks = JSON.stringify(view);
    expect(blocks).toContain(`"block_id":"${pictureUrlBlockId(2)}"`);
    expect(validateView(view, "modal")).toBeUndefined();
  });

  it("nameservers: Message and Send to; every host grouped with its domains", () => {
    const groups = [
      { nameservers: ["a.ns.example", "b.ns.example"], domains: ["one.com", "two.com"] },
      { nameservers: ["c.ns.example"], domains: ["three.com"] },
    ];
    const message = nameserverMessage(groups);
    expect(message).toContain("For one.com, two.com:\n  • a.ns.example\n  • b.ns.example");
    expect(message).toContain("For three.com:\n  • c.ns.example");
    const view = nameserversModal({
      pendingActionId: "3",
      domains: [],
      groups,
      customerChannel: "C0CUST0001",
    });
    expect(labels(view)).toEqual(["Message", "Send to"]);
    expect(JSON.stringify(view)).toContain("<#C0CUST0001>");
    expect(validateView(view, "modal")).toBeUndefined();
  });

  it("maps problems to the block ids Slack shows them under, in words with the request id", () => {
    const error = new PeekerError({
      code: "domain_not_imported",
      message: "x",
      status: 400,
      field: "replacement_domain",
      details: { domain: "taken.com" },
      requestId: "req_42",
    });
    const errors = fieldErrors([
      { field: "replacement", problem: { kind: "peeker", error } },
      {
        field: "picture:2",
        problem: { kind: "picture", url: "http://x", failure: { kind: "not_https", scheme: "http" } },
      },
    ]);
    expect(errors[BLOCK_IDS.replacementDomain]).toBe(
      "taken.com is registered elsewhere and not imported for this customer: import it first, or pick another (Peeker request req_42).",
    );
    expect(errors[pictureUrlBlockId(2)]).toBe("Only https:// URLs are accepted (this one is http:).");
    expect(problemInWords({ kind: "needs_cancel", orderId: "ord_1", domains: ["a.com"] })).toContain(
      'Tick "Cancel the original order first"',
    );
    expect(refusalInWords({ kind: "claimed", by: "U0ALICE01" })).toBe("Already claimed by <@U0ALICE01>.");
    expect(refusalInWords({ kind: "resolving", by: "U0ALICE01" })).toBe(
      "Already being resolved by <@U0ALICE01>.",
    );
  });

  it("parses /peeker link arguments as Slack sends them with should_escape", () => {
    expect(parseLinkArgs(["usr_123", "<#C0ACME001|acme>"])).toEqual({
      customer: { kind: "user", userId: "usr_123" },
      channel: "C0ACME001",
    });
    expect(parseLinkArgs(["<mailto:Bob@Acme.com|Bob@Acme.com>", "<#C0ACME001>"])).toEqual({
      customer: { kind: "email", email: "bob@acme.com" },
      channel: "C0ACME001",
    });
    expect(parseLinkArgs(["bob@acme.com", "C0ACME001"])).toMatchObject({ channel: "C0ACME001" });
    expect(parseLinkArgs(["bob@acme.com", "#acme"])).toHaveProperty("problem");
    expect(parseLinkArgs(["<#C0ACME001>"])).toHaveProperty("problem");
    expect(parseLinkArgs(["<@U123>", "<#C0ACME001>"])).toHaveProperty("problem");
  });
});
