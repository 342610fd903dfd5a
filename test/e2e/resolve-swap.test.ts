import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { QUICK_ANSWERS } from "../support/bot-process.js";
import { buttonTexts, type Stack, startStack, waitFor } from "../support/e2e.js";
import {
  auditRows,
  cardShowing,
  ephemeralContaining,
  OPERATOR,
  OPERATOR_2,
  openCard,
  openedForm,
  press,
  radio,
  rowByKey,
  rowOpenAgain,
  settledModal,
  submit,
  text,
  threadTexts,
  viewText,
} from "../support/interactions.js";
import { nextTriggerId } from "../support/slack-signing.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * *Swap domain…* end to end (design §1, §3 "Swap pre-check", "Locks and pauses"): the modal, the pre-check,
 * Peeker's refusals as field errors, `POST /swaps` at most once, and the card following the swap.
 */

const STRANGER = "U0STRANGER";
const GROUP = "S0OPSTEAM1";

describe("swap domain", () => {
  let stack: Stack;
  let seq = 0;

  beforeAll(async () => {
    stack = await startStack({
      name: "resolve-swap",
      // OPERATOR by id, OPERATOR_2 through a user group (expanded with usergroups.users.list).
      // A 1 s sweep: the card a lost POST /swaps left locked is settled by the sweeper within seconds.
      env: { SLACK_OPERATORS: `${OPERATOR},${GROUP}`, INTENT_SWEEP_SECONDS: "1" },
    });
    stack.slack.seedUsergroup(GROUP, [OPERATOR_2]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** An order with a domain Peeker wants replaced, and its card. */
  async function swapCard(options: { provider?: "google" | "microsoft" } = {}) {
    seq++;
    const name = `retire-me-${seq}.com`;
    const { domains } = stack.sim.control.seedOrder({
      domains: [{ domain: name, provider: options.provider ?? "google" }],
      email: `swap-${seq}@acme.com`,
    });
    const domain = domains[0]!;
    stack.sim.control.requireAction("domain", domain.id);
    const key = `replace_domain:${domain.id}`;
    const { row, card } = await openCard(
      stack,
      { type: "domain.action_required", data: { id: domain.id, domain: name, status: "action_required" } },
      key,
    );
    return { domain, key, row, card };
  }

  async function openSwapForm(pendingActionId: string, userId = OPERATOR) {
    const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId, userId });
    return openedForm(stack, triggerId, VIEW_CALLBACK_IDS.swapSubmit);
  }

  const values = (replacement: string, type = "standard") => ({
    [BLOCK_IDS.replacementDomain]: { [INPUT_ACTION_IDS.replacementDomain]: text(replacement) },
    [BLOCK_IDS.swapType]: { [INPUT_ACTION_IDS.swapType]: radio(type) },
  });

  const swapPosts = (domainId: string) =>
    stack.sim.control
      .requests({ method: "POST", route: "/swaps" })
      .filter((r) => (r.body as { domain_id?: string }).domain_id === domainId);

  /** What the submitter finally sees: the ack's view, or (after "Working…") the view that replaced it. */
  async function finalText(answer: { json: unknown }, form: { id: string }, historyBefore: number) {
    const first = viewText(answer.json);
    if (!first.includes("Working")) return first;
    return waitFor(
      () => {
        const view = stack.slack.view(form.id);
        return view && view.history.length > historyBefore ? viewText(view.view) : undefined;
      },
      { what: "the outcome replacing Working…", timeoutMs: 12_000 },
    );
  }

  const errorsOf = (answer: { json: unknown }) =>
    (answer.json as { response_action?: string; errors?: Record<string, string> }).errors ?? {};

  it("checks the replacement, creates the swap once, shows it on the card and follows it to resolved", async () => {
    const { domain, key, row, card } = await swapCard();
    expect(buttonTexts(card.blocks)).toEqual(expect.arrayContaining(["Swap domain…", "Claim", "Refresh"]));

    const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.swapSubmit);
    // The loading view came first, within the trigger's life; the form replaced it.
    expect(String((form.history[0] as { callback_id?: string }).callback_id)).toBe(VIEW_CALLBACK_IDS.loading);
    const shown = viewText(form.view);
    expect(shown).toContain("Replacement domain");
    expect(shown).toContain("Swap type");
    expect(shown).toContain(domain.domain);
    // A Google domain: no premium option.
    expect(shown).not.toContain('"value":"premium"');
    expect((await rowByKey(stack, key))?.claimed_by).toBe(OPERATOR);

    stack.sim.control.clearRequests();
    const answer = await submit(stack, { view: form, values: values("Fresh-Acme.com") });
    expect(answer.status).toBe(200);
    expect(viewText(answer.json)).toContain("requested");

    expect(
      stack.sim.control.requests({ method: "POST", route: "/domains/availability" }).map((r) => r.body),
    ).toEqual([{ domains: ["fresh-acme.com"] }]);
    const posts = swapPosts(domain.id);
    expect(posts.map((r) => r.body)).toEqual([
      { type: "standard", domain_id: domain.id, replacement_domain: "fresh-acme.com" },
    ]);
    const swap = [...stack.sim.control.state.swaps.values()].find((s) => s.domain_id === domain.id)!;

    const after = await rowByKey(stack, key);
    expect(after).toMatchObject({
      state: "resolving",
      swap_id: swap.id,
      resolving_by: OPERATOR,
      resolving_note: `Swap ${swap.id} in progress`,
    });
    await cardShowing(stack, key, `Swap ${swap.id} in progress`);
    await waitFor(
      () => threadTexts(stack, card).some((t) => t.includes(`Swap ${swap.id} to fresh-acme.com requested`)),
      {
        what: "the thread line",
      },
    );
    const audit = await auditRows(stack, row.id);
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "click.swap_domain",
        "submit.swap_domain",
        "action.swap_requested",
        "peeker.call",
      ]),
    );
    const create = audit.find((a) => a.action === "peeker.call" && a.details.call === "POST /swaps");
    expect(create?.actor).toBe(OPERATOR);
    expect(create?.peeker_request_id).toBe(posts[0]!.requestId);

    // Peeker completes the swap: the card resolves from the swap's own events.
    stack.sim.control.complete("swap", swap.id);
    await stack.sender.send(
      buildEvent({ type: "swap.completed", data: { id: swap.id, status: "completed" } }),
    );
    const resolved = await cardShowing(stack, key, "Resolved");
    expect(buttonTexts(resolved.blocks)).toEqual([]);
    expect(JSON.stringify(resolved.blocks)).toContain("fresh-acme.com");
  });

  it("offers premium for a Microsoft domain, and a failed swap puts the card back to open with why", async () => {
    const { domain, key, row } = await swapCard({ provider: "microsoft" });
    const form = await openSwapForm(row.id);
    expect(viewText(form.view)).toContain('"value":"premium"');
    const answer = await submit(stack, { view: form, values: values(`warm-${seq}.com`, "premium") });
    expect(viewText(answer.json)).toContain("requested");
    expect(swapPosts(domain.id).map((r) => (r.body as { type: string }).type)).toEqual(["premium"]);
    const swap = [...stack.sim.control.state.swaps.values()].find((s) => s.domain_id === domain.id)!;

    stack.sim.control.fail("swap", swap.id);
    await stack.sender.send(buildEvent({ type: "swap.failed", data: { id: swap.id, status: "failed" } }));
    await waitFor(async () => (await rowByKey(stack, key))?.state === "open", {
      what: "the card open again",
    });
    await cardShowing(stack, key, "Swap domain…");
  });

  it("turns the pre-check and every Peeker refusal into field errors, and releases the card each time", async () => {
    const { domain, key, row } = await swapCard();
    const form = await openSwapForm(row.id);
    const replacementError = async (replacement: string, type = "standard") => {
      const answer = await submit(stack, { view: form, values: values(replacement, type) });
      expect((answer.json as { response_action?: string }).response_action).toBe("errors");
      expect((await rowByKey(stack, key))?.state).toBe("open");
      return errorsOf(answer);
    };

    // Not even a domain name: refused before Peeker is asked anything.
    stack.sim.control.clearRequests();
    expect((await replacementError("not a domain"))[BLOCK_IDS.replacementDomain]).toContain(
      "not a domain name",
    );
    expect(stack.sim.control.requests({ method: "POST" })).toHaveLength(0);

    // Pre-check blocks: invalid, premium, usable_for without the domain's provider. No POST /swaps for these.
    stack.sim.control.setRegistry("invalid-name.com", { status: "invalid" });
    stack.sim.control.setRegistry("pricey.com", { status: "premium" });
    stack.sim.control.setRegistry("ms-only.com", { status: "available", usable_for: ["microsoft"] });
    expect((await replacementError("invalid-name.com"))[BLOCK_IDS.replacementDomain]).toContain(
      "not a valid domain",
    );
    expect((await replacementError("pricey.com"))[BLOCK_IDS.replacementDomain]).toContain("premium");
    expect((await replacementError("ms-only.com"))[BLOCK_IDS.replacementDomain]).toContain(
      "cannot host google",
    );
    expect(swapPosts(domain.id)).toHaveLength(0);

    // `taken` goes on to Peeker, whose own answer becomes the field error.
    stack.sim.control.setRegistry("held-elsewhere.com", { status: "taken" });
    expect((await replacementError("held-elsewhere.com"))[BLOCK_IDS.replacementDomain]).toContain(
      "not imported for this customer",
    );
    stack.sim.control.seedDomain({ domain: "owned-ms.com", usable_for: ["microsoft"] });
    expect((await replacementError("owned-ms.com"))[BLOCK_IDS.replacementDomain]).toContain(
      "cannot host google",
    );
    stack.sim.control.injectFault({
      route: "POST /swaps",
      fault: { kind: "error", status: 400, code: "premium_domain_not_supported", field: "type" },
    });
    expect((await replacementError("plain-one.com"))[BLOCK_IDS.swapType]).toContain("Microsoft domains only");
    stack.sim.control.injectFault({
      route: "POST /swaps",
      fault: {
        kind: "error",
        status: 400,
        code: "invalid_request",
        field: "replacement_domain",
        message: "replacement_domain is on a blocklist",
      },
    });
    expect((await replacementError("plain-two.com"))[BLOCK_IDS.replacementDomain]).toContain("blocklist");
    // A premium swap of a Google domain is refused in the form itself.
    expect((await replacementError("plain-three.com", "premium"))[BLOCK_IDS.swapType]).toContain(
      "Microsoft domains only",
    );

    // Every one of those released the lock: a correct submit still works.
    const answer = await submit(stack, { view: form, values: values(`good-${seq}.com`) });
    expect(viewText(answer.json)).toContain("requested");
    expect((await rowByKey(stack, key))?.state).toBe("resolving");
  });

  it("sends POST /swaps once when the same submit arrives twice at once", async () => {
    const { domain, row } = await swapCard();
    const form = await openSwapForm(row.id);
    const [a, b] = await Promise.all([
      submit(stack, { view: form, values: values(`twice-${seq}.com`) }),
      submit(stack, { view: form, values: values(`twice-${seq}.com`) }),
    ]);
    const texts = [viewText(a.json), viewText(b.json)];
    expect(texts.filter((t) => t.includes(":white_check_mark:"))).toHaveLength(1);
    expect(texts.filter((t) => t.includes("Already being resolved by"))).toHaveLength(1);
    expect(swapPosts(domain.id)).toHaveLength(1);
  });

  it("refuses a second operator's submit while a swap is in progress", async () => {
    const { domain, key, row } = await swapCard();
    const form = await openSwapForm(row.id);
    await submit(stack, { view: form, values: values(`first-${seq}.com`) });
    expect((await rowByKey(stack, key))?.state).toBe("resolving");

    const second = await submit(stack, {
      view: form,
      values: values(`second-${seq}.com`),
      userId: OPERATOR_2,
    });
    expect(viewText(second.json)).toContain(`Already being resolved by <@${OPERATOR}>`);
    await ephemeralContaining(stack, OPERATOR_2, `Already being resolved by <@${OPERATOR}>`);
    expect(swapPosts(domain.id)).toHaveLength(1);

    // Pressing the button meanwhile is refused the same way (the presser is told who has it).
    await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id, userId: OPERATOR_2 });
    await ephemeralContaining(stack, OPERATOR_2, "Already being resolved by");
  });

  it("refuses a non-operator, audits it and sends nothing to Peeker; a user-group member may act", async () => {
    const { key, row } = await swapCard();
    stack.sim.control.clearRequests();
    await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id, userId: STRANGER });
    await ephemeralContaining(stack, STRANGER, "Only Peeker operators");
    await press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: STRANGER });
    await waitFor(() => stack.slack.ephemerals().filter((e) => e.user === STRANGER).length >= 2, {
      what: "two refusals",
    });
    expect(stack.sim.control.requests()).toHaveLength(0);
    expect((await rowByKey(stack, key))?.claimed_by).toBeNull();
    const refused = (await auditRows(stack, row.id)).filter((a) => a.action === "permission.refused");
    expect(refused.map((a) => a.actor)).toEqual([STRANGER, STRANGER]);
    expect(stack.slack.views().filter((v) => v.userId === STRANGER)).toHaveLength(0);

    // OPERATOR_2 is an operator only through the user group.
    await press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: OPERATOR_2 });
    await waitFor(async () => (await rowByKey(stack, key))?.claimed_by === OPERATOR_2, { what: "the claim" });
    expect(stack.slack.calls("usergroups.users.list").length).toBeGreaterThan(0);
  });

  it("writes nothing when Peeker resolved the action between the card and the click", async () => {
    const { domain, key, row } = await swapCard();
    stack.sim.control.resolve("domain", domain.id);
    stack.sim.control.clearRequests();
    const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id });
    await ephemeralContaining(stack, OPERATOR, "Peeker no longer lists this action");
    expect((await rowByKey(stack, key))?.state).toBe("resolved");
    await cardShowing(stack, key, "Resolved");
    const modal = await settledModal(stack, triggerId);
    expect(viewText(modal.view)).toContain("nothing was sent");
    expect(stack.sim.control.requests({ method: "POST" })).toHaveLength(0);
  });

  it("answers a 429, a 5xx and a slow Peeker with a clear message and its request id, leaving nothing half done", async () => {
    // 429: Peeker did not process it; the card is open again and no swap exists.
    const first = await swapCard();
    let form = await openSwapForm(first.row.id);
    stack.sim.control.injectFault({
      route: "POST /swaps",
      fault: { kind: "rate_limited", retryAfterSeconds: 1 },
    });
    let answer = await submit(stack, { view: form, values: values(`limited-${seq}.com`) });
    const limited = swapPosts(first.domain.id);
    expect(limited).toHaveLength(1);
    expect(viewText(answer.json)).toContain("rate-limiting");
    expect(viewText(answer.json)).toContain(limited[0]!.requestId);
    expect((await rowByKey(stack, first.key))?.state).toBe("open");
    expect(
      [...stack.sim.control.state.swaps.values()].filter((s) => s.domain_id === first.domain.id),
    ).toHaveLength(0);

    // 5xx: the outcome is unknown, so the bot looks the swap up instead of sending it again; none exists yet.
    // The person is not told "nothing was changed" (Peeker may still carry it out): the card stays locked with
    // its intent until the sweeper, after the flow ended, finds no swap and opens it again with a thread line.
    const second = await swapCard();
    form = await openSwapForm(second.row.id);
    stack.sim.control.injectFault({ route: "POST /swaps", fault: { kind: "error", status: 500 } });
    let before = form.history.length;
    answer = await submit(stack, { view: form, values: values(`broken-${seq}.com`) });
    const shown = await finalText(answer, form, before);
    const failedPosts = swapPosts(second.domain.id);
    expect(failedPosts).toHaveLength(1);
    expect(shown).toContain("internal error");
    expect(shown).toContain(failedPosts[0]!.requestId);
    expect(stack.sim.control.requests({ method: "GET", route: "/swaps" }).length).toBeGreaterThan(0);
    expect(shown).toContain("Do not submit again");
    expect(shown).not.toContain("Nothing was changed");
    const reopened = await rowOpenAgain(stack, second.key);
    expect(JSON.stringify(reopened.details)).toContain(`No swap to broken-${seq}.com was created in Peeker`);
    expect(swapPosts(second.domain.id)).toHaveLength(1);

    // Slow: past the answer window the modal shows "Working…", then the outcome. The swap Peeker created late
    // (after the interactive deadline) is found by looking it up, never by a second POST. Submitted to a bot with
    // quick answers (0.5 s window, 1.5 s deadline) so that Peeker's 2 s are past both on any machine (and within
    // the default 2.5 s deadline, so a deadline not read from PEEKER_INTERACTIVE_DEADLINE_MS shows here).
    await stack.startBot(QUICK_ANSWERS, "resolve-swap-quick");
    const quick = stack.bots.length - 1;
    const third = await swapCard();
    form = await openSwapForm(third.row.id);
    stack.sim.control.injectFault({ route: "POST /swaps", fault: { kind: "latency", ms: 2000 } });
    before = form.history.length;
    answer = await submit(stack, { view: form, values: values(`slow-${seq}.com`), bot: quick });
    expect(viewText(answer.json)).toContain("Working");
    const settled = await finalText(answer, form, before);
    expect(settled).toContain("requested");
    expect(settled).toMatch(/Peeker request req_/);
    expect(swapPosts(third.domain.id)).toHaveLength(1);
    const lookups = stack.sim.control
      .requests({ method: "GET", route: "/swaps" })
      .filter((r) => r.query.domain_id === third.domain.id);
    expect(lookups.length).toBeGreaterThan(0);
    expect((await rowByKey(stack, third.key))?.state).toBe("resolving");
  }, 60_000);

  it("explains an expired trigger ephemerally", async () => {
    const { row } = await swapCard();
    const triggerId = nextTriggerId();
    stack.slack.expireTrigger(triggerId);
    await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id, triggerId });
    await ephemeralContaining(stack, OPERATOR, "3 seconds");
  });
});
