import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor, waitForIdle } from "../support/e2e.js";
import { buildEvent } from "../support/webhook-sender.js";

/** Design §3 "Webhook answers": every row, and nothing stored or posted for a rejected delivery. */
describe("POST /peeker/webhooks answers", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "intake-answers" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const stored = async (eventId: string) =>
    (
      await stack.database.handle.db
        .selectFrom("webhook_events")
        .select("event_id")
        .where("event_id", "=", eventId)
        .execute()
    ).length;

  const orderEvent = () => {
    const { order } = stack.sim.control.seedOrder({
      status: "action_required",
      domains: [`answers-${Math.random()}.com`],
    });
    return {
      order,
      event: buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } }),
    };
  };

  it.each([
    ["a missing Peeker-Event-Id", { headerOverrides: { "peeker-event-id": undefined } }, 400],
    ["a missing Peeker-Timestamp", { headerOverrides: { "peeker-timestamp": undefined } }, 400],
    ["a missing Peeker-Signature", { headerOverrides: { "peeker-signature": undefined } }, 400],
    ["a timestamp that is not an integer", { headerOverrides: { "peeker-timestamp": "12.5" } }, 400],
    ["a signature header without v1=", { headerOverrides: { "peeker-signature": "v0=abcdef" } }, 400],
    ["a signature from an unknown secret", { wrongSecret: true }, 401],
    ["a timestamp 301 s in the past", { timestampOffsetSeconds: -301 }, 401],
    ["a timestamp 301 s in the future", { timestampOffsetSeconds: 301 }, 401],
    ["a signed body that is not a JSON object", { rawBodyOverride: "[1,2,3]" }, 400],
    [
      "a signed JSON body PostgreSQL cannot store",
      { rawBodyOverride: '{"type":"x","data":{"n":"\\u0000"}}' },
      400,
    ],
  ] as const)("rejects %s with %s, storing and posting nothing", async (_what, options, status) => {
    const { order, event } = orderEvent();
    const answer = await stack.sender.send(event, options);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) });
    expect(answer.body).not.toContain("whsec_");
    expect(await stored(event.id)).toBe(0);
    // Nothing stored, and every stored event processed and posted: no card for it can come any more.
    await waitForIdle(stack.database.handle.db);
    expect(
      stack.slack
        .channelMessages(CHANNEL)
        .some((m) => m.metadata?.event_payload.card_key?.toString().includes(order.id)),
    ).toBe(false);
  });

  it("answers 413 to a body over 256 KiB before looking at its signature", async () => {
    const { event } = orderEvent();
    const answer = await stack.sender.send(event, {
      rawBodyOverride: JSON.stringify({ pad: "x".repeat(300 * 1024) }),
    });
    expect(answer.status).toBe(413);
    expect(await stored(event.id)).toBe(0);
  });

  it("accepts a new event with 200 and a duplicate with 200 and nothing new", async () => {
    const { order, event } = orderEvent();
    expect((await stack.sender.send(event)).status).toBe(200);
    const again = await stack.sender.send(event);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ ok: true, duplicate: true });
    expect(await stored(event.id)).toBe(1);
    await waitFor(
      () =>
        stack.slack
          .channelMessages(CHANNEL)
          .filter((m) => m.metadata?.event_payload.card_key === `profile_picture_not_accessible:${order.id}`)
          .length === 1,
      { what: "one card" },
    );
  });

  it("accepts an unknown event type and keeps it, with no card", async () => {
    const event = buildEvent({ type: "invoice.paid", data: { id: "inv_1" } });
    expect((await stack.sender.send(event)).status).toBe(200);
    expect(await stored(event.id)).toBe(1);
    await waitFor(
      async () =>
        (
          await stack.database.handle.db
            .selectFrom("audit_log")
            .select("action")
            .where("action", "=", "event.ignored")
            .execute()
        ).length > 0,
      { what: "the ignored-event audit row" },
    );
  });

  it("counts accepted, duplicate and rejected deliveries on /metrics", async () => {
    const text = await (await fetch(`${stack.bots[0]!.url}/metrics`)).text();
    expect(text).toMatch(/peeker_webhooks_total\{outcome="accepted",reason=""\} [1-9]/);
    expect(text).toMatch(/peeker_webhooks_total\{outcome="duplicate",reason=""\} [1-9]/);
    expect(text).toMatch(/peeker_webhooks_total\{outcome="rejected",reason="bad_signature"\} [1-9]/);
    expect(text).toContain("peeker_inbox_depth");
    // Every delivery above was answered, rejected ones too: none is counted as still in flight.
    expect(text).toMatch(/^peeker_webhooks_in_flight 0$/m);
    expect(text).toMatch(/peeker_slack_cards_total\{action="posted"\} [1-9]/);
    expect(text).toMatch(/peeker_api_calls_total\{route="GET \/orders\/\{id\}",outcome="ok"\} [1-9]/);
  });
});
