import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buttonTexts, CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { processedEventCount } from "../support/inbox-events.js";
import { reconcileRuns, seedOpenOrders, waitForFinishedRun } from "../support/reconcile.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * Reconciliation against the simulator (design §5): one bot takes the webhooks and reconciles on a cron slot
 * every 3 s. Every card is posted (the backlog guard is set out of the way).
 */
const SLOT_MS = 3000;

describe("reconciliation", () => {
  let stack: Stack;
  const db = () => stack.database.handle.db;
  const cards = () => stack.slack.channelMessages(CHANNEL);
  const cardFor = (key: string) => cards().find((m) => m.metadata?.event_payload.card_key === key);
  const keyOf = (m: { metadata?: { event_payload: Record<string, unknown> } }) =>
    String(m.metadata?.event_payload.card_key);

  beforeAll(async () => {
    stack = await startStack({
      name: "reconcile",
      env: { CARD_BACKLOG_LIMIT: "5000", RECONCILE_CRON: "*/3 * * * * *" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("opens exactly the 100 unreported and resolves exactly the 100 silently resolved of 1,000, in ≤ 11 list calls; a second run changes nothing", async () => {
    // 900 that stay open (50 of them also reported by webhook), 100 that Peeker will resolve without a webhook.
    // Seeded in one synchronous block: the simulator serves no request half-way through.
    const stay = seedOpenOrders(stack.sim, 900, "stay");
    const gone = seedOpenOrders(stack.sim, 100, "gone");
    const seededAt = Date.now();
    const events = stay.slice(0, 50).map((key) =>
      buildEvent({
        type: "order.action_required",
        data: { id: key.split(":")[1], status: "action_required" },
      }),
    );
    for (const event of events) await stack.sender.send(event);
    const cold = await waitForFinishedRun(db(), seededAt, { what: "a reconcile of the 1,000" });
    expect(cold.outcome).toBe("succeeded");
    expect(cold.counts).toMatchObject({ seen: 1000, resolved: 0, errors: 0 });
    await waitFor(async () => (await processedEventCount(db())) === 50, {
      what: "the 50 webhooks processed",
    });

    // Between two slots (none running, the next ≥ 0.3 s away): 100 resolved in Peeker with no webhook, 100 new
    // with no webhook. The simulator runs in this process, so no request is served half-way through this.
    await betweenSlots();
    const before = await versions();
    stack.sim.control.clearRequests();
    for (const key of gone) stack.sim.control.resolve("order", key.split(":")[1] ?? "");
    const added = seedOpenOrders(stack.sim, 100, "new");
    const mutatedAt = Date.now();

    const drift = await waitForFinishedRun(db(), mutatedAt, { what: "the reconcile after the drift" });
    const requests = stack.sim.control.requests();
    expect(drift.outcome).toBe("succeeded");
    expect(drift.counts).toMatchObject({
      seen: 1000,
      opened: 100,
      resolved: 100,
      unchanged: 900,
      updated: 0,
      reopened: 0,
      skipped: 0,
      errors: 0,
    });
    const walkPages = requests.filter(
      (r) =>
        r.at <= (drift.finished_at?.getTime() ?? Date.now()) &&
        ((r.route === "/orders/pending" && r.query.order_id === undefined) ||
          (r.route === "/swaps" && r.method === "GET")),
    );
    expect(walkPages.length).toBeLessThanOrEqual(11);
    expect(drift.counts.list_calls).toBe(walkPages.length);
    // The only other calls: one re-read of each order no longer listed.
    const rereadOrders = new Set(
      requests
        .filter((r) => r.route === "/orders/{id}" && r.at <= (drift.finished_at?.getTime() ?? Date.now()))
        .map((r) => `profile_picture_not_accessible:${r.path.split("/")[2]}`),
    );
    expect([...rereadOrders].sort()).toEqual([...gone].sort());

    const rows = await db().selectFrom("pending_actions").selectAll().execute();
    const byKey = new Map(rows.map((r) => [r.card_key, r]));
    for (const key of added) expect(byKey.get(key)?.state).toBe("open");
    for (const key of gone) {
      expect(byKey.get(key)?.state).toBe("resolved");
      expect(byKey.get(key)?.resolution).toBe("Resolved outside Slack");
    }
    // Nothing else changed: the 900 rows and their card renders are as they were; the reported ones keep their
    // customer, which no pending row carries.
    const after = await versions();
    for (const key of stay) expect(after.get(key)).toEqual(before.get(key));
    expect(byKey.get(stay[0] ?? "")?.customer_email).toBe("customer@example.com");
    const audit = await db()
      .selectFrom("audit_log")
      .select("action")
      .where(({ eb, ref }) => eb(ref("details", "->>").key("cause"), "=", drift.slot))
      .execute();
    expect(count(audit.map((a) => a.action))).toEqual({ "action.opened": 100, "action.resolved": 100 });

    // A second run over the same state changes nothing.
    const again = await waitForFinishedRun(db(), drift.finished_at?.getTime() ?? Date.now(), {
      what: "the next reconcile",
    });
    expect(again.counts).toMatchObject({
      seen: 1000,
      opened: 0,
      resolved: 0,
      updated: 0,
      reopened: 0,
      unchanged: 1000,
    });
    expect(await versions()).toEqual(after);

    // Slack, once the outbox drained: one card per action; the 100 gone ones edited in place to their resolved
    // variant; no other card ever edited (their renders never changed).
    await waitFor(
      () =>
        cards().length >= 1100 &&
        gone.every((key) => JSON.stringify(cardFor(key)?.blocks).includes("Resolved")),
      // A ceiling, not a duration: 1,100 posts through the Slack fake take a while on a loaded 2-core machine.
      { what: "every card posted and the 100 resolved", timeoutMs: 150_000 },
    );
    for (const key of gone) expect(buttonTexts(cardFor(key)?.blocks)).toEqual([]);
    for (const key of [...stay, ...added]) expect(buttonTexts(cardFor(key)?.blocks)).toContain("Claim");
    for (const key of [...stay, ...added, ...gone])
      expect(cards().filter((m) => keyOf(m) === key)).toHaveLength(1);
    // The cards only reconciliation ever saw were never edited: every run since their post confirmed them.
    // (The 50 reported by webhook may be, once: the webhook's re-read adds the customer a walk cannot know.)
    const untouched = new Set([...stay.slice(50), ...added].map((key) => cardFor(key)?.ts));
    expect(stack.slack.calls("chat.update").filter((c) => untouched.has(String(c.args.ts)))).toEqual([]);
    expect(stack.bots[0]?.output()).not.toContain("scheduled job failed");
  }, 300_000);

  it("opens a card for a swap in action_required that no webhook reported", async () => {
    const seededAt = Date.now();
    const { domains } = stack.sim.control.seedOrder({ status: "in_progress", domains: ["swap-me.com"] });
    const domain = domains[0];
    if (!domain) throw new Error("no domain seeded");
    const swap = stack.sim.control.seedSwap({
      domain_id: domain.id,
      replacement_domain: "swap-me-too.com",
      status: "action_required",
    });
    const key = `replace_domain:${domain.id}`;
    const card = await waitFor(() => cardFor(key), { what: "the swap's card", timeoutMs: 15_000 });
    expect(card.metadata?.event_payload).toMatchObject({ card_key: key, reason: "replace_domain" });
    expect(JSON.stringify(card.blocks)).toContain(swap.id);
    const row = await db()
      .selectFrom("pending_actions")
      .selectAll()
      .where("card_key", "=", key)
      .executeTakeFirst();
    expect(row).toMatchObject({ state: "open", swap_id: swap.id, resource_kind: "swap" });
    // Opened by a reconcile (the run in progress when it was seeded, or the next one), and nothing else.
    const runs = (await reconcileRuns(db())).filter((r) => (r.finished_at?.getTime() ?? 0) >= seededAt);
    expect(runs.filter((r) => r.counts.opened === 1)).toHaveLength(1);
    expect(runs.every((r) => r.outcome === "succeeded" && r.counts.errors === 0)).toBe(true);
  }, 30_000);

  /** Each action's row version and its card's render version: any change to either shows. */
  async function versions(): Promise<Map<string, { row: number; card: number | null }>> {
    const rows = await db()
      .selectFrom("pending_actions as p")
      .leftJoin("slack_cards as c", "c.pending_action_id", "p.id")
      .select(["p.card_key", "p.version", "c.desired_version"])
      .execute();
    return new Map(rows.map((r) => [r.card_key, { row: r.version, card: r.desired_version }]));
  }

  /** Waits until no reconcile is running and the next slot is at least 0.3 s away. */
  async function betweenSlots(): Promise<void> {
    await waitFor(
      async () => {
        const phase = Date.now() % SLOT_MS;
        if (phase < 300 || phase > SLOT_MS - 300) return false;
        return (await reconcileRuns(db())).every((run) => run.outcome !== "running");
      },
      { what: "a quiet moment between two slots", intervalMs: 20 },
    );
  }
});

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
