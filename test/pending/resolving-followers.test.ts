import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import { findQueuedReorders } from "../../src/db/pending-actions.repository.js";
import type { PendingActionRow } from "../../src/db/schema.js";
import { PeekerClient } from "../../src/peeker/client.js";
import { CardNotWaitingError } from "../../src/pending/intents.js";
import { refreshFromPeeker } from "../../src/pending/refresh-from-peeker.js";
import { acceptQueued } from "../../src/pending/reorder-outcomes.js";
import { type CardRef, resourceOf } from "../../src/pending/resource-model.js";
import type { QueuedReorder } from "../../src/pending/slack-details.js";
import { recordSwapCreated } from "../../src/pending/swap-outcomes.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";

/**
 * Re-reads against cards that are `resolving` (src/pending/apply-snapshot.ts) and the recording of a write's
 * outcome (recordSwapCreated, acceptQueued), on a real database and the simulator with the real PeekerClient:
 * a card keeps following our swap, is never resolved under a write in flight, and a write is only recorded
 * onto the card still waiting on it.
 */
describe("cards resolving on a write", () => {
  let database: TestDatabase;
  let sim: PeekerSim;
  const agent = new Agent();
  beforeAll(async () => {
    [database, sim] = await Promise.all([createTestDatabase(), startPeekerSim()]);
  });
  afterAll(async () => {
    await Promise.all([database.drop(), sim.close(), agent.close()]);
  });

  const db = () => database.handle.db;
  const publisher = createCardPublisher("C0TEST");
  const deps = () => ({ db: db(), publisher, sandbox: true, now: () => new Date(), wakeSender: () => {} });
  const peeker = () => new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: sim.url, dispatcher: agent });
  const byKey = (key: string) =>
    db().selectFrom("pending_actions").selectAll().where("card_key", "=", key).executeTakeFirstOrThrow();

  /** Re-reads the resource a card row (or a hand-made card ref) names, as an event or a Refresh would. */
  async function reread(ref: CardRef) {
    const resource = resourceOf(ref);
    if (!resource) throw new Error(`no resource for ${ref.card_key}`);
    const outcome = await refreshFromPeeker(deps(), peeker(), resource, {
      source: "peeker",
      cause: "test",
      lease: true,
    });
    expect(outcome.kind).toBe("applied");
  }
  const swapRef = (swapId: string, domainId: string): CardRef => ({
    card_key: `replace_domain:${domainId}`,
    resource_kind: "swap",
    resource_id: swapId,
    order_id: null,
    domain_id: domainId,
    import_id: null,
    swap_id: swapId,
  });

  /** The state a submit leaves (src/pending/resolution.ts lock, then recordIntent), written directly. */
  function lockAs(
    row: PendingActionRow,
    fields: { intent: string; note: string; payload?: Record<string, unknown>; since?: Date },
  ) {
    return db()
      .updateTable("pending_actions")
      .set({
        state: "resolving",
        resolving_by: "U1",
        resolving_since: fields.since ?? new Date(),
        resolving_note: fields.note,
        intent_kind: fields.intent,
        intent_payload: JSON.stringify(fields.payload ?? {}),
        intent_at: new Date(),
        intent_owner: "elsewhere:1:x",
      })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /** A swap card opened by `swp_A` (action_required), as a webhook's re-read opens it. */
  async function swapCard(name: string, createdAt?: string) {
    const { domains } = sim.control.seedOrder({ domains: [name], email: `${name}@acme.com` });
    const domain = domains[0]!;
    const old = sim.control.seedSwap({
      domain_id: domain.id,
      status: "action_required",
      ...(createdAt ? { created_at: createdAt } : {}),
    });
    await reread(swapRef(old.id, domain.id));
    const row = await byKey(`replace_domain:${domain.id}`);
    expect(row).toMatchObject({ state: "open", resource_kind: "swap", swap_id: old.id });
    return { domain, old, row };
  }

  /** An order card opened by the order's pending row, and the reorder its cancel would queue. */
  async function orderCard(name: string) {
    const seeded = sim.control.seedOrder({
      domains: [name],
      email: `${name}@acme.com`,
      status: "action_required",
    });
    const orderId = seeded.order.id;
    await reread({
      card_key: "",
      resource_kind: "order",
      resource_id: orderId,
      order_id: orderId,
      domain_id: null,
      import_id: null,
      swap_id: null,
    });
    const row = await db()
      .selectFrom("pending_actions")
      .selectAll()
      .where("order_id", "=", orderId)
      .executeTakeFirstOrThrow();
    const queued: QueuedReorder = {
      originalOrderId: orderId,
      body: { user: seeded.order.user_id, domains: [name], personas: [] } as never,
      loginFrom: "config",
      requestedBy: "U1",
    };
    return { orderId, row, queued };
  }

  it("a re-read of the older swap never takes the card off our newer swap (review item 2)", async () => {
    const { domain, old, row } = await swapCard("follow-newer.com");
    await lockAs(row, {
      intent: "swap_create",
      note: "Swap to follow-fresh.com being requested",
      payload: { domain_id: domain.id, replacement: "follow-fresh.com", type: "standard" },
    });
    const ours = sim.control.seedSwap({ domain_id: domain.id, replacement_domain: "follow-fresh.com" });
    const swap = (await peeker().getSwap(ours.id)).data;
    await recordSwapCreated(deps(), row.id, "U1", {
      swap,
      replacement: "follow-fresh.com",
      type: "standard",
      foundByLookup: false,
    });
    expect(await byKey(row.card_key)).toMatchObject({ state: "resolving", swap_id: ours.id });

    // The old swap still needs action; its re-read (reconcile's swap walk, or its event) finds our card.
    await reread(swapRef(old.id, domain.id));
    const after = await byKey(row.card_key);
    expect(after).toMatchObject({
      state: "resolving",
      swap_id: ours.id,
      resolving_note: `Swap ${ours.id} in progress`,
    });

    // So our swap's completion still reaches the card.
    sim.control.complete("swap", ours.id);
    await reread(after);
    expect((await byKey(row.card_key)).state).toBe("resolved");
  });

  it("the submit's own re-check keeps the lock when Peeker's clock runs ahead of ours (review item 6b, F2)", async () => {
    // The old swap was created "in the future" by our clock: time alone must not make it ours.
    const ahead = new Date(Date.now() + 10 * 60 * 1000).toISOString();
    const { row } = await swapCard("clock-ahead.com", ahead);
    const locked = await lockAs(row, { intent: "lock", note: "Swap to clock-fresh.com being requested" });
    await reread(locked);
    expect(await byKey(row.card_key)).toMatchObject({ state: "resolving", resolving_by: "U1" });
  });

  it("a bare lock on a swap whose action is gone resolves, so the submit is refused (review item 7)", async () => {
    const { old, row } = await swapCard("bare-lock.com");
    const locked = await lockAs(row, { intent: "lock", note: "Swap to bare-fresh.com being requested" });
    sim.control.resolve("swap", old.id);
    await reread(locked);
    expect((await byKey(row.card_key)).state).toBe("resolved");
  });

  it("a card whose swap create is in flight is spared when the old swap's action goes (review items 5, 7)", async () => {
    const { domain, old, row } = await swapCard("inflight-swap.com");
    const locked = await lockAs(row, {
      intent: "swap_create",
      note: "Swap to inflight-fresh.com being requested",
      payload: { domain_id: domain.id, replacement: "inflight-fresh.com", type: "standard" },
    });
    sim.control.resolve("swap", old.id);
    await reread(locked);
    expect(await byKey(row.card_key)).toMatchObject({ state: "resolving", intent_kind: "swap_create" });
  });

  it("an accepted cancellation finishing before it is recorded keeps the card, and the reorder stays queued (review item 5)", async () => {
    const { orderId, row, queued } = await orderCard("cancel-race.com");
    const locked = await lockAs(row, {
      intent: "order_cancel",
      note: "Reorder being requested",
      payload: { queued },
    });
    // POST /orders/{id}/cancel was accepted (its answer not yet recorded) and the cancellation finishes.
    sim.control.cancelOrder(orderId);
    sim.control.finishCancellation(orderId);
    await reread(locked);
    expect(await byKey(row.card_key)).toMatchObject({ state: "resolving", intent_kind: "order_cancel" });

    await acceptQueued(deps(), "U1", row.id, queued, undefined);
    expect((await findQueuedReorders(db(), orderId)).map((r) => r.id)).toEqual([row.id]);
  });

  it("a write's outcome is not recorded onto a card no longer waiting on it (review item 5)", async () => {
    const { row, queued } = await orderCard("late-record.com");
    // Resolved meanwhile (by whatever path), its intent still there.
    await lockAs(row, { intent: "order_cancel", note: "Reorder being requested", payload: { queued } });
    await db().updateTable("pending_actions").set({ state: "resolved" }).where("id", "=", row.id).execute();
    await expect(acceptQueued(deps(), "U1", row.id, queued, undefined)).rejects.toBeInstanceOf(
      CardNotWaitingError,
    );
    expect((await byKey(row.card_key)).details).not.toHaveProperty("queuedReorder");

    // A swap recorded after the card was released (intent cleared, open again) is refused the same way.
    const { domain, row: swapRow } = await swapCard("late-swap.com");
    const ours = sim.control.seedSwap({ domain_id: domain.id, replacement_domain: "late-fresh.com" });
    const swap = (await peeker().getSwap(ours.id)).data;
    await expect(
      recordSwapCreated(deps(), swapRow.id, "U1", {
        swap,
        replacement: "late-fresh.com",
        type: "standard",
        foundByLookup: false,
      }),
    ).rejects.toBeInstanceOf(CardNotWaitingError);
    expect((await byKey(swapRow.card_key)).swap_id).not.toBe(ours.id);
  });
});
