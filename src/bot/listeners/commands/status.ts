import { listFailedEvents, outboxStats } from "../../../db/health.repository.js";
import { lastRun } from "../../../db/runs.repository.js";
import { inboxStats } from "../../../db/webhook-events.repository.js";
import { openCountsByReason } from "../../../pending/open-actions.js";
import { errorInWords } from "../../error-words.js";
import { type PeekerProbe, renderStatusAnswer } from "../../views/answers.js";
import type { ListenerDeps } from "../deps.js";
import { SLASH_PEEKER_CALL } from "./lookup.js";
import type { Subcommand } from "./types.js";

/**
 * `/peeker status`: failed events (each with *Retry*), inbox lag, the last reconcile, and health: Slack from the
 * outbox (the same on every replica), Peeker from a `GET /me` probe.
 */
export const statusSubcommand: Subcommand = {
  usage: "status",
  summary: "failed events (with Retry), webhook lag, the last reconcile, Slack and Peeker health",
  async run(_args, _invocation, deps) {
    const [inbox, failed, outbox, lastReconcile, byReason, peeker] = await Promise.all([
      inboxStats(deps.db),
      listFailedEvents(deps.db, 10),
      outboxStats(deps.db),
      lastRun(deps.db, "reconcile"),
      openCountsByReason(deps.db),
      probePeeker(deps),
    ]);
    const answer = renderStatusAnswer({
      now: deps.clock.now(),
      inbox,
      failed,
      outbox,
      lastReconcile,
      peeker,
      queueTotal: byReason.reduce((sum, r) => sum + r.count, 0),
    });
    return { ...answer, shareable: true };
  },
};

async function probePeeker(deps: ListenerDeps): Promise<PeekerProbe> {
  const started = Date.now();
  const pausedUntil = deps.peeker.pausedUntil;
  try {
    const { data } = await deps.peeker.me(SLASH_PEEKER_CALL);
    return { ok: true, ms: Date.now() - started, me: data, ...(pausedUntil ? { pausedUntil } : {}) };
  } catch (error) {
    return {
      ok: false,
      ms: Date.now() - started,
      problem: errorInWords(error),
      ...(pausedUntil ? { pausedUntil } : {}),
    };
  }
}
