import type { PeekerHealth } from "../../../pending/ops-status.js";
import { errorInWords } from "../../error-words.js";
import { type PeekerProbe, renderStatusAnswer } from "../../views/status-answer.js";
import type { Subcommand } from "./types.js";

/**
 * `/peeker status`: failed events (each with *Retry*), inbox lag, the last reconcile, and health: Slack from the
 * outbox (the same on every replica), Peeker from a `GET /me` probe.
 */
export const statusSubcommand: Subcommand = {
  usage: "status",
  summary: "failed events (with Retry), webhook lag, the last reconcile, Slack and Peeker health",
  async run(_args, _invocation, deps) {
    const report = await deps.opsStatus.report();
    const answer = renderStatusAnswer({ ...report, now: deps.clock.now(), peeker: probeOf(report.peeker) });
    return { ...answer, shareable: true };
  },
};

/** The probe as the answer shows it: a failure in words. */
function probeOf(health: PeekerHealth): PeekerProbe {
  const paused = health.pausedUntil ? { pausedUntil: health.pausedUntil } : {};
  if (health.ok) return { ok: true, ms: health.ms, me: health.me, ...paused };
  return { ok: false, ms: health.ms, problem: errorInWords(health.error), ...paused };
}
