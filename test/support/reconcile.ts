import type { Kysely } from "kysely";
import type { Database, RunRow } from "../../src/db/schema.js";
import { waitFor } from "./e2e.js";
import type { PeekerSim } from "./peeker-sim/server.js";

/** Helpers shared by the reconciliation tests: run rows, and open actions seeded in bulk. */

export async function reconcileRuns(db: Kysely<Database>): Promise<RunRow[]> {
  return db.selectFrom("runs").selectAll().where("job", "=", "reconcile").orderBy("started_at").execute();
}

/** The first finished reconcile run that started after `after` (wall clock ms). */
export async function waitForFinishedRun(
  db: Kysely<Database>,
  after: number,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<RunRow> {
  return waitFor(
    async () =>
      (await reconcileRuns(db)).find((run) => run.started_at.getTime() > after && run.outcome !== "running"),
    {
      timeoutMs: options.timeoutMs ?? 90_000,
      intervalMs: 50,
      what: options.what ?? "a finished reconcile run",
    },
  );
}

/** Orders parked in `action_required`, one `profile_picture_not_accessible` row each; returns their card keys. */
export function seedOpenOrders(sim: PeekerSim, count: number, prefix: string, reason?: string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const { order } = sim.control.seedOrder({ status: "in_progress", domains: [`${prefix}-${i}.com`] });
    const [actionId] = sim.control.requireAction("order", order.id, reason ? { reason } : {});
    return reason ? `${reason}:${actionId}` : `profile_picture_not_accessible:${order.id}`;
  });
}

/** Whether a wall-clock instant falls inside a run (database timestamps, same machine). */
export function during(run: RunRow, atMs: number): boolean {
  return run.started_at.getTime() <= atMs && (run.finished_at?.getTime() ?? Number.POSITIVE_INFINITY) >= atMs;
}
