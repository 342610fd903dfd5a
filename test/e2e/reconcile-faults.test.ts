import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { during, reconcileRuns, seedOpenOrders, waitForFinishedRun } from "../support/reconcile.js";

/**
 * Reconciliation when Peeker is rate-limited or failing (design §5 "Peeker calls", §6): a 429 pauses the walk for
 * the advised time and the run completes; a 5xx is retried, and when it persists the run is recorded as failed
 * with its error, and the next slot succeeds. One bot, a reconcile slot every 2 s.
 */
describe("reconciliation under Peeker faults", () => {
  let stack: Stack;
  const db = () => stack.database.handle.db;
  const pendingWalk = () =>
    stack.sim.control
      .requests({ method: "GET", route: "/orders/pending" })
      .filter((r) => r.query.order_id === undefined);

  beforeAll(async () => {
    stack = await startStack({ name: "reconcile-faults", env: { RECONCILE_CRON: "*/2 * * * * *" } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("waits out a 429 for the advised time and completes the run", async () => {
    const keys = seedOpenOrders(stack.sim, 150, "limited");
    // Between runs: the next walk's first page is answered 429 with Retry-After 3 s.
    await waitForFinishedRun(db(), Date.now(), { what: "a run before the fault" });
    const first = pendingWalk().length;
    stack.sim.control.injectFault({
      route: "GET /orders/pending",
      times: 1,
      fault: { kind: "rate_limited", retryAfterSeconds: 3 },
    });
    const limited = await waitFor(() => pendingWalk().find((r, i) => i >= first && r.status === 429), {
      what: "the 429",
    });
    const run = await waitFor(
      async () => (await reconcileRuns(db())).find((r) => during(r, limited.at) && r.outcome !== "running"),
      { what: "the run that met the 429", timeoutMs: 20_000 },
    );
    expect(run.outcome).toBe("succeeded");
    expect(run.counts).toMatchObject({ errors: 0, seen: 150 });
    // The retried page left no sooner than the advised 3 s, and nothing else was sent to Peeker meanwhile.
    const after = stack.sim.control.requests().filter((r) => r.seq > limited.seq);
    expect(after[0]?.at).toBeGreaterThanOrEqual(limited.at + 3000);
    expect(after[0]?.route).toBe("/orders/pending");
    const open = await db()
      .selectFrom("pending_actions")
      .select("card_key")
      .where("card_key", "in", keys)
      .where("state", "=", "open")
      .execute();
    expect(open).toHaveLength(keys.length);
  }, 45_000);

  it("retries a 5xx, records the error when it persists, and the next slot succeeds", async () => {
    await waitForFinishedRun(db(), Date.now(), { what: "a run before the fault" });
    const first = pendingWalk().length;
    // Three answers of 503: the first attempt and the client's two retries of one page.
    stack.sim.control.injectFault({
      route: "GET /orders/pending",
      times: 3,
      fault: { kind: "error", status: 503, code: "service_unavailable", message: "Peeker is down" },
    });
    const failures = await waitFor(
      () => {
        const failed = pendingWalk()
          .slice(first)
          .filter((r) => r.status === 503);
        return failed.length === 3 ? failed : undefined;
      },
      { what: "three 503 answers" },
    );
    const failedRun = await waitFor(
      async () =>
        (await reconcileRuns(db())).find((r) => during(r, failures[0]?.at ?? 0) && r.outcome !== "running"),
      { what: "the run that met the 503s" },
    );
    expect(failedRun.outcome).toBe("failed");
    expect(failedRun.error).toMatch(/503|Peeker is down|service_unavailable/);
    // The retries were one page sent three times, with backoff between them.
    expect(new Set(failures.map((r) => r.query.page_token ?? "first")).size).toBe(1);
    const next = await waitForFinishedRun(db(), failedRun.finished_at?.getTime() ?? Date.now(), {
      what: "the next slot",
    });
    expect(next.outcome).toBe("succeeded");
    expect(next.counts).toMatchObject({ errors: 0 });
    expect(next.slot > failedRun.slot).toBe(true);
  }, 45_000);
});
