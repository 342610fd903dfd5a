import { RECONCILE_JOB } from "../../../jobs/reconcile.js";
import { manualSlot } from "../../../jobs/slots.js";
import { refuseUnlessOperator } from "../../../pending/permissions.js";
import { clip } from "../../views/format.js";
import { describeReconcileCounts } from "../../views/reconcile-summary.js";
import type { Subcommand } from "./types.js";

/**
 * `/peeker reconcile`: runs reconciliation now, in the manual slot of this minute, so a second request in the
 * same minute (on any replica) runs nothing and is told so.
 */
export const reconcileSubcommand: Subcommand = {
  usage: "reconcile",
  summary: "check Peeker now for anything webhooks missed",
  async run(_args, invocation, deps) {
    const refusal = await refuseUnlessOperator(deps.flows, {
      userId: invocation.userId,
      attempted: "`/peeker reconcile`",
    });
    if (refusal) return { text: refusal };
    const slot = manualSlot(deps.clock.now());
    let outcome: Awaited<ReturnType<typeof deps.runReconcile>>;
    try {
      outcome = await deps.runReconcile(slot);
    } catch (error) {
      return {
        text: `Reconcile failed: ${clip((error as Error)?.message ?? "unknown error", 300)}. It runs again on its schedule.`,
      };
    }
    if (outcome.ran) {
      deps.wakeSender();
      return { text: `Reconcile done. ${describeReconcileCounts(outcome.result.counts)}` };
    }
    const previous = await deps.opsStatus.lastRun(RECONCILE_JOB);
    const earlier =
      previous?.slot === slot && previous.outcome === "succeeded"
        ? ` It found: ${describeReconcileCounts(previous.counts)}`
        : previous?.slot === slot && previous.outcome === "running"
          ? " It is still running."
          : "";
    return { text: `A reconcile already ran this minute.${earlier} Try again next minute for a fresh one.` };
  },
};
