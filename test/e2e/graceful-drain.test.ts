import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import {
  OPERATOR,
  openCard,
  openedForm,
  press,
  radio,
  submit,
  text,
  viewText,
} from "../support/interactions.js";
import { slash } from "../support/visibility.js";

/**
 * Graceful drain (issue #10 item 7): SIGTERM while a swap submit is past Slack's deadline and showing
 * "Working…". The bot says 503 on /readyz, refuses a new command in words, lets the submit finish (its outcome
 * reaches the person through views.update on the Slack fake), and only then stops, exit code 0.
 */
describe("SIGTERM during a Working… submit", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: "graceful-drain",
      env: {
        SHUTDOWN_DRAIN_SECONDS: "30",
        // Slack is answered after 0.5 s; each Peeker call may take up to 5 s: the submit takes "Working…".
        SLACK_ANSWER_WINDOW_MS: "500",
        PEEKER_INTERACTIVE_DEADLINE_MS: "5000",
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("finishes the submit, shows its outcome, says 503 while draining and refuses new work in words", {
    timeout: 120_000,
  }, async () => {
    const bot = stack.bots[0]!;
    const name = "drain-retire.com";
    const { domains } = stack.sim.control.seedOrder({ domains: [{ domain: name, provider: "google" }] });
    const domain = domains[0]!;
    stack.sim.control.requireAction("domain", domain.id);
    const { row } = await openCard(
      stack,
      { type: "domain.action_required", data: { id: domain.id, domain: name, status: "action_required" } },
      `replace_domain:${domain.id}`,
    );
    const { triggerId } = await press(stack, { actionId: ACTION_IDS.swapOpen, pendingActionId: row.id });
    const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.swapSubmit);

    // Every Peeker call of the submit (re-check, availability, POST /swaps) takes 1 s: each within its 5 s
    // interactive deadline, together well past the 0.5 s answer window, so Slack is answered "Working…".
    stack.sim.control.injectFault({ times: "always", fault: { kind: "latency", ms: 1000 } });
    const before = form.history.length;
    const answer = await submit(stack, {
      view: form,
      values: {
        [BLOCK_IDS.replacementDomain]: { [INPUT_ACTION_IDS.replacementDomain]: text("drain-new.com") },
        [BLOCK_IDS.swapType]: { [INPUT_ACTION_IDS.swapType]: radio("standard") },
      },
    });
    expect(viewText(answer.json)).toContain("Working");

    bot.kill("SIGTERM");
    await waitFor(
      async () => {
        const ready = await fetch(`${bot.url}/readyz`).catch(() => undefined);
        return ready?.status === 503;
      },
      { what: "/readyz answering 503 while draining", intervalMs: 20 },
    );
    // A new interaction while draining is refused in words, and runs nothing.
    const refused = await slash(stack, "reconcile", { userId: OPERATOR });
    expect(refused.ack.text).toContain("restarting");
    // The submit was still under way when the refusal came: the drain is what keeps the process up.
    expect(stack.slack.view(form.id)?.history.length).toBe(before);

    const outcome = await waitFor(
      () => {
        const view = stack.slack.view(form.id);
        return view && view.history.length > before ? viewText(view.view) : undefined;
      },
      { what: "the swap's outcome replacing Working…", timeoutMs: 30_000 },
    );
    expect(outcome).toContain("requested");
    expect(stack.sim.control.requests({ method: "POST", route: "/swaps" })).toHaveLength(1);
    expect(stack.slack.calls("views.update").some((c) => c.args.view_id === form.id)).toBe(true);
    expect(await bot.waitExit(30_000)).toBe(0);
    expect(bot.output()).toContain('"msg":"stopped"');
    expect(
      await stack.database.handle.db
        .selectFrom("runs")
        .select("job")
        .where("job", "=", "reconcile")
        .execute(),
    ).toHaveLength(0);
  });
});
