import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, WEBHOOK_SECRET, waitFor, waitForIdle } from "../support/e2e.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/**
 * Coalesced re-reads (issue #14, design §5 "Processing"): the waiting events of one resource are answered by one
 * Peeker re-read begun after the newest of them was stored, and an event arriving while its resource is being
 * re-read waits for the next re-read instead of starting its own. Every event still gets its audit row and is
 * marked processed. The same traffic with EVENT_COALESCING=off shows the difference (one re-read per event).
 */
describe("coalesced re-reads", () => {
  let stack: Stack;
  const db = () => stack.database.handle.db;
  beforeAll(async () => {
    stack = await startStack({ name: "coalesced-rereads" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** An order with a pending action; its re-read is `GET /orders/pending?order_id=…`. */
  function pendingOrder(name: string) {
    const { order } = stack.sim.control.seedOrder({ status: "in_progress", domains: [`${name}.com`] });
    stack.sim.control.requireAction("order", order.id);
    return order.id;
  }
  const rereadsOf = (orderId: string) =>
    stack.sim.control
      .requests({ method: "GET", route: "/orders/pending" })
      .filter((r) => r.query.order_id === orderId);
  const eventsFor = (orderId: string, n: number) =>
    Array.from({ length: n }, () =>
      buildEvent({ type: "order.action_required", data: { id: orderId, status: "action_required" } }),
    );
  const auditedEvents = async (eventIds: string[]) =>
    (
      await db()
        .selectFrom("audit_log")
        .select(["action", "details"])
        .where("action", "in", ["event.processed", "event.already_resolved"])
        .execute()
    ).filter((row) => eventIds.includes(String((row.details as { event_id?: unknown }).event_id)));

  /**
   * Sends one event and holds its re-read in the simulator until `more` further events for the same order are
   * stored (each answered 200 after its commit), then lets the re-read go and waits until the bot is idle.
   */
  async function eventsDuringARead(orderId: string, more: number, sender = stack.sender) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    stack.sim.control.injectFault({
      route: `GET /orders/pending`,
      fault: { kind: "hold_answer", until: held },
    });
    const [first, ...rest] = eventsFor(orderId, more + 1);
    await sender.send(first!);
    await waitFor(() => rereadsOf(orderId).length === 1, { what: "the first re-read in flight" });
    await Promise.all(rest.map((event) => sender.send(event)));
    release();
    await waitForIdle(db());
    return [first!, ...rest].map((event) => event.id);
  }

  it("answers events that arrive during a re-read with one more re-read, and audits every event", async () => {
    const orderId = pendingOrder("coalesce-on");
    const ids = await eventsDuringARead(orderId, 20);
    // The held read began before the 20 were stored, so one more read, begun after them all, answers them.
    expect(rereadsOf(orderId)).toHaveLength(2);
    const audited = await auditedEvents(ids);
    expect(new Set(audited.map((a) => (a.details as { event_id: string }).event_id))).toEqual(new Set(ids));
    const unprocessed = await db()
      .selectFrom("webhook_events")
      .select("event_id")
      .where("event_id", "in", ids)
      .where("processed_at", "is", null)
      .execute();
    expect(unprocessed).toEqual([]);
  });

  it("re-reads once per event with EVENT_COALESCING=off (the setting the benchmark compares with)", async () => {
    // The coalescing bot stops (it must not take these events); a bot with coalescing off takes its place.
    const [coalescing] = stack.bots;
    coalescing?.kill("SIGTERM");
    await coalescing?.waitExit();
    const off = await stack.startBot({ EVENT_COALESCING: "off" }, "coalesced-rereads-off");
    const orderId = pendingOrder("coalesce-off");
    await eventsDuringARead(
      orderId,
      20,
      new WebhookSender({ url: `${off.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] }),
    );
    expect(rereadsOf(orderId).length).toBeGreaterThan(5);
  });
});
