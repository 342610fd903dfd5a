import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { buildEvent, type PeekerEventEnvelope, permutations } from "../support/webhook-sender.js";

/**
 * Ordering is never trusted (design §6): every permutation of a 4-event lifecycle, each event delivered twice,
 * while Peeker keeps the action open, ends in the same card as in-order delivery; then the completion resolves
 * every one of them the same way.
 */
describe("out-of-order and duplicate delivery", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "event-order" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const lifecycle = (orderId: string, domainId: string): PeekerEventEnvelope[] => [
    buildEvent({ type: "order.in_progress", data: { id: orderId, status: "in_progress" } }),
    buildEvent(
      { type: "order.action_required", data: { order: { id: orderId, status: "action_required" } } },
      { shape: "nested" },
    ),
    buildEvent({ type: "domain.connected", data: { id: domainId, domain: "x.com", status: "active" } }),
    buildEvent({ type: "order.completed", data: { id: orderId, status: "completed" } }),
  ];

  /** The card with every id that differs between orders replaced, so cards of different orders compare. */
  const normalised = (orderId: string) => {
    const card = stack.slack
      .channelMessages(CHANNEL)
      .find((m) => m.metadata?.event_payload.card_key === `profile_picture_not_accessible:${orderId}`);
    if (!card) return undefined;
    return JSON.stringify({ text: card.text, blocks: card.blocks, metadata: card.metadata })
      .replaceAll(orderId, "ORDER")
      .replace(/act_[A-Za-z0-9]+/g, "ACT")
      .replace(/perm-\d+\.com/g, "DOMAIN")
      .replace(/dom_[A-Za-z0-9]+/g, "DOM")
      .replace(/"pending_action_id":"\d+"/g, '"pending_action_id":"N"')
      .replace(/"value":"\d+"/g, '"value":"N"')
      .replace(/<!date\^\d+\^[^|]*\|[^>]*>/g, "DATE")
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "ISO")
      .replace(/(\d+ (h|min|s|d) ?)+/g, "DURATION");
  };

  it("converges every permutation, with duplicates, to the in-order card", { timeout: 120_000 }, async () => {
    const created_at = "2026-11-20T10:00:00Z";
    const seed = (i: number) =>
      stack.sim.control.seedOrder({
        status: "action_required",
        email: "perm@acme.com",
        created_at,
        domains: [`perm-${i}.com`],
        personas: [{ first_name: "Ana", last_name: "Ruiz", profile_picture_url: "http://10.0.0.1/a.png" }],
      });
    const orders = permutations([0, 1, 2, 3]).map((order, i) => ({ order, seeded: seed(i) }));
    const reference = seed(99);
    for (const event of lifecycle(reference.order.id, reference.domains[0]!.id))
      await stack.sender.send(event);

    for (const { order, seeded } of orders) {
      const events = lifecycle(seeded.order.id, seeded.domains[0]!.id);
      for (const index of order) {
        const event = events[index]!;
        await stack.sender.send(event);
        await stack.sender.send(event);
      }
    }
    const expected = await waitFor(() => normalised(reference.order.id), { what: "the in-order card" });
    for (const { seeded } of orders) {
      await waitFor(() => normalised(seeded.order.id) === expected, {
        what: `card of ${seeded.order.id}`,
        timeoutMs: 30_000,
      });
    }

    // Peeker completes every order; a fresh completion event resolves each card the same way.
    for (const { seeded } of [...orders, { seeded: reference }]) {
      stack.sim.control.resolve("order", seeded.order.id);
      stack.sim.control.complete("order", seeded.order.id);
      await stack.sender.send(
        buildEvent({ type: "order.completed", data: { id: seeded.order.id, status: "completed" } }),
      );
    }
    const resolved = await waitFor(
      () => {
        const card = normalised(reference.order.id);
        return card?.includes("Resolved") ? card : undefined;
      },
      { what: "the resolved reference card" },
    );
    for (const { seeded } of orders) {
      await waitFor(() => normalised(seeded.order.id) === resolved, {
        what: `resolved ${seeded.order.id}`,
        timeoutMs: 30_000,
      });
    }
    const keys = stack.slack.channelMessages(CHANNEL).map((m) => m.metadata?.event_payload.card_key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
