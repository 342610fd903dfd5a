import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../src/bot/action-ids.js";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import {
  auditRows,
  cardShowing,
  ephemeralContaining,
  ephemeralsFor,
  eventsUrl,
  OPERATOR,
  OPERATOR_2,
  openCard,
  press,
  rowByKey,
  signingSecret,
  threadTexts,
} from "../support/interactions.js";
import { postSigned, slashCommandBody } from "../support/slack-signing.js";

/**
 * *Claim* / *Unclaim* / *Refresh* on every card (design §1), race-safe across two bot replicas, and
 * `/peeker history` showing the trail the clicks left.
 */
describe("claim, unclaim, refresh and history", () => {
  let stack: Stack;
  let seq = 0;

  beforeAll(async () => {
    stack = await startStack({ name: "resolve-claims" });
    // A second replica: two presses at the same instant may land on different processes.
    await stack.startBot({}, "resolve-claims-2");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function orderCard() {
    seq++;
    const { order } = stack.sim.control.seedOrder({
      status: "action_required",
      domains: [`claims-${seq}.com`],
    });
    const key = `profile_picture_not_accessible:${order.id}`;
    const opened = await openCard(
      stack,
      { type: "order.action_required", data: { id: order.id, status: "action_required" } },
      key,
    );
    return { order, key, ...opened };
  }

  it("gives a card to exactly one of two people pressing Claim at the same instant; the other is told who", async () => {
    for (let round = 0; round < 4; round++) {
      const { key, row, card } = await orderCard();
      const before = [ephemeralsFor(stack, OPERATOR).length, ephemeralsFor(stack, OPERATOR_2).length];
      await Promise.all([
        press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: OPERATOR, bot: 0 }),
        press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: OPERATOR_2, bot: 1 }),
      ]);
      const claimer = (await waitFor(async () => (await rowByKey(stack, key))?.claimed_by, {
        what: "a claimer",
      })) as string;
      const loser = claimer === OPERATOR ? OPERATOR_2 : OPERATOR;
      expect([OPERATOR, OPERATOR_2]).toContain(claimer);
      const told = await ephemeralContaining(stack, loser, `Already claimed by <@${claimer}>`);
      expect(told).toBe(`Already claimed by <@${claimer}>.`);
      // The winner hears nothing: the card says it.
      const winnerIndex = claimer === OPERATOR ? 0 : 1;
      expect(ephemeralsFor(stack, claimer).length).toBe(before[winnerIndex]);
      const shown = await cardShowing(stack, key, `<@${claimer}>`);
      expect(buttonTexts(shown.blocks)).toContain("Unclaim");
      await waitFor(() => threadTexts(stack, card).filter((t) => t.startsWith("Claimed by")).length === 1, {
        what: "one claimed thread line",
      });
      const claims = (await auditRows(stack, row.id)).filter((a) => a.action === "action.claimed");
      expect(claims.map((a) => a.actor)).toEqual([claimer]);
    }
  });

  it("refuses a resolving button on someone else's card, and lets an operator unclaim it", async () => {
    const { key, row } = await orderCard();
    await press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: OPERATOR });
    await waitFor(async () => (await rowByKey(stack, key))?.claimed_by === OPERATOR, { what: "the claim" });

    stack.sim.control.clearRequests();
    await press(stack, { actionId: ACTION_IDS.reorderOpen, pendingActionId: row.id, userId: OPERATOR_2 });
    await ephemeralContaining(stack, OPERATOR_2, `Already claimed by <@${OPERATOR}>`);
    expect(stack.sim.control.requests()).toHaveLength(0);

    await press(stack, { actionId: ACTION_IDS.cardUnclaim, pendingActionId: row.id, userId: OPERATOR_2 });
    await waitFor(async () => (await rowByKey(stack, key))?.claimed_by === null, { what: "the unclaim" });
    const shown = await cardShowing(stack, key, "Nobody yet");
    expect(buttonTexts(shown.blocks)).toContain("Claim");
  });

  it("re-reads Peeker on Refresh and shows what it says now", async () => {
    const { order, key, row } = await orderCard();
    await press(stack, { actionId: ACTION_IDS.cardRefresh, pendingActionId: row.id, userId: OPERATOR_2 });
    await ephemeralContaining(stack, OPERATOR_2, "still open in Peeker");

    stack.sim.control.resolve("order", order.id);
    await press(stack, { actionId: ACTION_IDS.cardRefresh, pendingActionId: row.id, userId: OPERATOR_2 });
    await ephemeralContaining(stack, OPERATOR_2, "Refreshed from Peeker: this card is resolved");
    expect((await rowByKey(stack, key))?.state).toBe("resolved");
    await cardShowing(stack, key, "Resolved");
  });

  it("shows the audit trail of a resource with actors and Peeker request ids in /peeker history", async () => {
    const { order, row } = await orderCard();
    await press(stack, { actionId: ACTION_IDS.cardClaim, pendingActionId: row.id, userId: OPERATOR });
    await press(stack, { actionId: ACTION_IDS.cardRefresh, pendingActionId: row.id, userId: OPERATOR });
    await ephemeralContaining(stack, OPERATOR, "Refreshed");
    const answer = await postSigned(
      eventsUrl(stack),
      slashCommandBody({ text: `history ${order.id}`, user_id: OPERATOR, channel_id: CHANNEL }),
      signingSecret(stack),
    );
    const shown = String((answer.json as { text?: string }).text);
    expect(shown).toContain(`Audit trail of \`${order.id}\``);
    expect(shown).toContain("`action.opened`");
    expect(shown).toContain(`<@${OPERATOR}> \`action.claimed\``);
    expect(shown).toContain("`click.refresh`");
    expect(shown).toContain("`peeker.call` call=GET /orders/{id}");
    expect(shown).toMatch(/request `req_/);

    const unknown = await postSigned(
      eventsUrl(stack),
      slashCommandBody({ text: "history ord_nothing_here", user_id: OPERATOR, channel_id: CHANNEL }),
      signingSecret(stack),
    );
    expect(String((unknown.json as { text?: string }).text)).toContain("Nothing in the audit trail");
  });
});
