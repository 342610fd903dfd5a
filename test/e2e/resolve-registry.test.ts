import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ACTION_IDS, ALL_VIEW_CALLBACK_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { eventsUrl, OPERATOR, openCard, signingSecret } from "../support/interactions.js";
import {
  buildBlockActions,
  buildViewSubmission,
  interactionBody,
  nextTriggerId,
  postSigned,
} from "../support/slack-signing.js";

/**
 * Every id Slack can send back (src/bot/action-ids.ts) reaches a real handler: answered 200 well inside
 * Slack's 3 s (Bolt leaves an unhandled one unanswered until its 3 s timer gives up), and nothing anywhere says
 * "coming soon".
 */
describe("action-id registry", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ name: "resolve-registry" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("answers every action id and every view callback id with a registered handler", async () => {
    const { order } = stack.sim.control.seedOrder({ status: "action_required", domains: ["registry.com"] });
    const { row } = await openCard(
      stack,
      { type: "order.action_required", data: { id: order.id, status: "action_required" } },
      `profile_picture_not_accessible:${order.id}`,
    );
    const timed = async (send: () => Promise<{ status: number }>) => {
      const started = Date.now();
      const answer = await send();
      return { status: answer.status, ms: Date.now() - started };
    };
    const triggers: string[] = [];
    const actions = await Promise.all(
      ALL_ACTION_IDS.map(async (actionId) => ({
        id: actionId,
        ...(await timed(() =>
          postSigned(
            eventsUrl(stack),
            interactionBody(
              buildBlockActions({
                actionId,
                value: row.id,
                userId: OPERATOR,
                channelId: CHANNEL,
                triggerId: triggers[triggers.push(nextTriggerId()) - 1]!,
              }),
            ),
            signingSecret(stack),
          ),
        )),
      })),
    );
    const views = await Promise.all(
      ALL_VIEW_CALLBACK_IDS.map(async (callbackId) => ({
        id: callbackId,
        ...(await timed(() =>
          postSigned(
            eventsUrl(stack),
            interactionBody(
              buildViewSubmission({
                callbackId,
                privateMetadata: JSON.stringify({ id: row.id }),
                userId: OPERATOR,
              }),
            ),
            signingSecret(stack),
          ),
        )),
      })),
    );
    for (const answer of [...actions, ...views]) {
      expect(answer.status, `${answer.id} answered ${answer.status}`).toBe(200);
      expect(answer.ms, `${answer.id} took ${answer.ms} ms`).toBeLessThan(2900);
    }
    // The handlers' slowest work is a modal: opened on a trigger (loading view), then replaced once Peeker
    // answered. Wait until every modal these presses opened has left its loading view, then look for
    // placeholders.
    await waitFor(
      () =>
        stack.slack
          .views()
          .filter((v) => v.triggerId !== undefined && triggers.includes(v.triggerId))
          .every((v) => v.view.callback_id !== VIEW_CALLBACK_IDS.loading),
      { what: "every modal opened by the presses to leave its loading view" },
    );
    const everything = JSON.stringify([
      stack.slack.ephemerals(),
      stack.slack.views(),
      stack.slack.hookPosts(),
    ]);
    expect(everything.toLowerCase()).not.toContain("coming soon");
    expect(everything.toLowerCase()).not.toContain("not implemented");
    expect(stack.bots[0]!.output()).not.toContain("was not acknowledged within 3 seconds");
  });
});
