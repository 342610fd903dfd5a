import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { eventsUrl, OPERATOR, signingSecret } from "../support/interactions.js";
import { postSigned, slashCommandBody } from "../support/slack-signing.js";
import { buildEvent } from "../support/webhook-sender.js";

/**
 * Peeker answering after 20 s (issue #10): no connection or transaction is held while a re-read waits, so the
 * bot keeps serving /readyz, `/peeker status` and new webhooks, and the database shows nothing of the bot's
 * `idle in transaction`.
 */
describe("a Peeker that answers after 20 s", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "peeker-hang" });
  });
  afterAll(async () => {
    stack?.sim.control.clearFaults();
    await stack?.stop();
  });

  const idleInTransaction = async () =>
    (
      await sql<{ pid: number; query: string }>`
        SELECT pid, query FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'peeker-bot%'
           AND state = 'idle in transaction'`.execute(stack.database.handle.db)
    ).rows;

  it("serves /readyz, /peeker status and webhooks, and holds no transaction, while the re-read hangs", async () => {
    const { order } = stack.sim.control.seedOrder({ domains: ["slow-peeker.com"] });
    stack.sim.control.requireAction("order", order.id);
    stack.sim.control.injectFault({
      route: "GET /orders/{id}",
      times: "always",
      fault: { kind: "latency", ms: 20_000 },
    });
    const answer = await stack.sender.send(
      buildEvent({ type: "order.action_required", data: { id: order.id, status: "action_required" } }),
    );
    expect(answer.status).toBe(200);
    const hanging = () =>
      stack.sim.control.requests({ path: `/orders/${order.id}` }).find((r) => r.status === undefined);
    await waitFor(hanging, { what: "the re-read waiting on Peeker" });

    // Sampled several times while Peeker has not answered: never a transaction of the bot left open.
    for (let i = 0; i < 5; i++) {
      expect(await idleInTransaction()).toEqual([]);
      const ready = await fetch(`${stack.bots[0]!.url}/readyz`);
      expect(ready.status).toBe(200);
      const status = await postSigned(
        eventsUrl(stack),
        slashCommandBody({ text: "status", user_id: OPERATOR, channel_id: CHANNEL }),
        signingSecret(stack),
      );
      expect(status.status).toBe(200);
      const webhook = await stack.sender.send(
        buildEvent({ type: "order.in_progress", data: { id: `ord_other_${i}`, status: "in_progress" } }),
      );
      expect(webhook.status).toBe(200);
    }
    // Still waiting on Peeker after all that: the samples were taken during the hang.
    expect(hanging()).toBeDefined();
  });
});
