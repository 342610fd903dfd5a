import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../src/bot/action-ids.js";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import {
  cardShowing,
  eventsUrl,
  OPERATOR,
  openCard,
  press,
  rowByKey,
  signingSecret,
} from "../support/interactions.js";
import { waitForFinishedRun } from "../support/reconcile.js";
import { postSigned, slashCommandBody } from "../support/slack-signing.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * The one resource model (issue #10): Refresh re-reads the resource the card is about, whatever its kind; a
 * domain's re-read of its import is ordered with the import's own re-reads; a swap card is open exactly while
 * Peeker lists its action.
 */

let seq = 0;
const next = () => ++seq;

async function refreshed(stack: Stack, pendingActionId: string): Promise<void> {
  const before = stack.slack.ephemerals().length;
  await press(stack, { actionId: ACTION_IDS.cardRefresh, pendingActionId, userId: OPERATOR });
  await waitFor(
    () =>
      stack.slack
        .ephemerals()
        .slice(before)
        .find((e) => e.user === OPERATOR && (e.text ?? "").includes("Refreshed")),
    { what: "the Refresh answer" },
  );
}

const paths = (stack: Stack) => stack.sim.control.requests({ method: "GET" }).map((r) => r.path);

async function swapCard(stack: Stack) {
  const n = next();
  const { domains } = stack.sim.control.seedOrder({
    domains: [`swap-card-${n}.com`],
    email: `sw${n}@acme.com`,
  });
  const domain = domains[0]!;
  const swap = stack.sim.control.seedSwap({ domain_id: domain.id, status: "created" });
  stack.sim.control.requireAction("swap", swap.id);
  const key = `replace_domain:${domain.id}`;
  const { row } = await openCard(
    stack,
    { type: "swap.action_required", data: { id: swap.id, status: "action_required" } },
    key,
  );
  expect(row.resource_kind).toBe("swap");
  return { swap, domain, key, row };
}

describe("refresh and events through the resource model", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "resource-model" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("Refresh on an order card re-reads the order, and the card follows", async () => {
    const { order } = stack.sim.control.seedOrder({ domains: [`order-card-${next()}.com`] });
    stack.sim.control.requireAction("order", order.id);
    const key = `profile_picture_not_accessible:${order.id}`;
    const { row } = await openCard(
      stack,
      { type: "order.action_required", data: { id: order.id, status: "action_required" } },
      key,
    );
    stack.sim.control.resolve("order", order.id);
    stack.sim.control.clearRequests();
    await refreshed(stack, row.id);
    expect(paths(stack)).toContain(`/orders/${order.id}`);
    expect((await rowByKey(stack, key))?.state).toBe("resolved");
  });

  it("Refresh on a domain card re-reads the domain (never its id as an order), and the card follows", async () => {
    const { domains } = stack.sim.control.seedOrder({ domains: [`domain-card-${next()}.com`] });
    const domain = domains[0]!;
    stack.sim.control.requireAction("domain", domain.id);
    const key = `replace_domain:${domain.id}`;
    const { row } = await openCard(
      stack,
      { type: "domain.action_required", data: { id: domain.id, status: "action_required" } },
      key,
    );
    stack.sim.control.complete("domain", domain.id);
    stack.sim.control.clearRequests();
    await refreshed(stack, row.id);
    expect(paths(stack)).toContain(`/domains/${domain.id}`);
    expect(paths(stack)).not.toContain(`/orders/${domain.id}`);
    expect((await rowByKey(stack, key))?.state).toBe("resolved");
  });

  it("Refresh on an import card re-reads the import, and the card follows", async () => {
    const imp = stack.sim.control.seedImport({
      domains: [`import-card-${next()}.com`],
      status: "action_required",
    });
    const key = `update_nameservers:${imp.id}`;
    const { row } = await openCard(
      stack,
      { type: "domain_import.action_required", data: { id: imp.id, status: "action_required" } },
      key,
    );
    stack.sim.control.complete("import", imp.id);
    stack.sim.control.clearRequests();
    await refreshed(stack, row.id);
    expect(paths(stack)).toContain(`/domains/import/${imp.id}`);
    expect((await rowByKey(stack, key))?.state).toBe("resolved");
  });

  it("Refresh on a swap card re-reads the swap; resolved outside Slack (swap back to created), the card closes", async () => {
    const { swap, key, row } = await swapCard(stack);
    stack.sim.control.resolve("swap", swap.id);
    stack.sim.control.clearRequests();
    await refreshed(stack, row.id);
    expect(paths(stack)).toContain(`/swaps/${swap.id}`);
    const after = await rowByKey(stack, key);
    expect(after?.state).toBe("resolved");
    await cardShowing(stack, key, "Resolved");
  });

  it("a swap card closes on the event of its swap going back to in progress with no pending action", async () => {
    const { swap, key } = await swapCard(stack);
    stack.sim.control.resolve("swap", swap.id);
    const answer = await stack.sender.send(
      buildEvent({ type: "swap.in_progress", data: { id: swap.id, status: "in_progress" } }),
    );
    expect(answer.status).toBe(200);
    const resolved = await waitFor(
      async () => {
        const row = await rowByKey(stack, key);
        return row?.state === "resolved" ? row : undefined;
      },
      { what: "the swap card resolved by the event" },
    );
    expect(resolved.resolved_by).toBe("system");
  });

  it("a domain event racing an import event and a reconcile: the stale import snapshot never reopens the card", async () => {
    const name = `race-${next()}.com`;
    const imp = stack.sim.control.seedImport({ domains: [name], status: "action_required" });
    const domain = stack.sim.control.seedDomain({ domain: name, status: "in_progress" });
    stack.sim.control.requireAction("domain", domain.id, { reason: "update_nameservers" });
    const key = `update_nameservers:${imp.id}`;
    await openCard(
      stack,
      { type: "domain_import.action_required", data: { id: imp.id, status: "action_required" } },
      key,
    );

    // The domain event's re-read of the import is answered now (action open) but delivered only at the end.
    let release!: () => void;
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    stack.sim.control.injectFault({
      route: `GET /domains/import/${imp.id}`,
      fault: { kind: "hold_answer", until },
    });
    const asked = () => stack.sim.control.requests({ path: `/domains/import/${imp.id}` }).length;
    const before = asked();
    const domainEvent = buildEvent({
      type: "domain.action_required",
      data: { id: domain.id, status: "action_required" },
    });
    await stack.sender.send(domainEvent);
    await waitFor(() => asked() > before, { what: "the domain's re-read of its import asked Peeker" });

    // Meanwhile the import completes; a reconcile starts and the import's own event applies the newer state.
    stack.sim.control.complete("import", imp.id);
    const reconcileAt = Date.now();
    const reconcile = postSigned(
      eventsUrl(stack),
      slashCommandBody({ text: "reconcile", user_id: OPERATOR, channel_id: CHANNEL }),
      signingSecret(stack),
    );
    await stack.sender.send(
      buildEvent({ type: "domain_import.completed", data: { id: imp.id, status: "completed" } }),
    );
    await waitFor(async () => (await rowByKey(stack, key))?.state === "resolved", {
      what: "the import event applied",
    });

    // Now the stale answer lands (well inside the client's 10 s timeout): older than what was applied, dropped.
    release();
    const processed = await waitFor(
      async () =>
        (
          await stack.database.handle.db
            .selectFrom("audit_log")
            .select("details")
            .where("action", "=", "event.processed")
            .where(sql<boolean>`details->>'event_id' = ${domainEvent.id}`)
            .executeTakeFirst()
        )?.details as { superseded?: number } | undefined,
      { what: "the domain event processed" },
    );
    // The stale snapshot reached the bot and was dropped (not timed out and read again): never reopened.
    const opened = await rowByKey(stack, key);
    const reopened = await stack.database.handle.db
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "action.reopened")
      .where("pending_action_id", "=", opened?.id ?? "")
      .execute();
    expect(reopened).toHaveLength(0);
    expect(processed.superseded).toBe(1);
    await reconcile;
    const run = await waitForFinishedRun(stack.database.handle.db, reconcileAt - 1000, {
      what: "the manual reconcile",
    });
    expect(run.outcome).toBe("succeeded");
    const final = await rowByKey(stack, key);
    expect(final?.state).toBe("resolved");
    expect(stack.sim.control.state.imports.get(imp.id)?.status).toBe("completed");
  });
});

describe("reconciliation closes a swap card whose action is gone", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "resource-model-reconcile", env: { RECONCILE_CRON: "*/2 * * * * *" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("a swap back to created with no pending action and no event: the next reconcile resolves its card", async () => {
    const { swap, key } = await swapCard(stack);
    stack.sim.control.resolve("swap", swap.id);
    const resolved = await waitFor(
      async () => {
        const row = await rowByKey(stack, key);
        return row?.state === "resolved" ? row : undefined;
      },
      { what: "the swap card resolved by reconcile", timeoutMs: 30_000 },
    );
    expect(resolved.resolution).toBe("Resolved outside Slack");
  });
});
