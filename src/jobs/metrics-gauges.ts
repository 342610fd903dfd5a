import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { PendingReasonSla } from "../config.js";
import { outboxDepthByChannel } from "../db/ops-stats.repository.js";
import { lastFinishedRuns } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import { inboxStats } from "../db/webhook-events.repository.js";
import type { Metrics } from "../metrics.js";
import { breachCountsByReason, openCountsByReason } from "../pending/open-actions.js";

/**
 * The gauges that describe the database, read at scrape time so every replica reports the same figures. Each
 * group is read on its own: a failing query keeps that group's last values and the rest still refresh.
 */

export interface GaugeSources {
  db: Kysely<Database>;
  metrics: Metrics;
  clock: Clock;
  slaMinutes: PendingReasonSla;
  /** The support channel: its depth is reported (0 when empty) even before anything was queued there. */
  channelId: string;
}

export function makeGaugeRefresher(sources: GaugeSources): () => Promise<void> {
  const { db, metrics, clock, slaMinutes, channelId } = sources;
  const groups: Array<() => Promise<void>> = [
    async () => {
      const stats = await inboxStats(db);
      metrics.inboxDepth.set(stats.depth);
      metrics.inboxLagSeconds.set(stats.lagSeconds);
      metrics.eventsFailed.set(stats.failed);
    },
    async () => {
      for (const run of await lastFinishedRuns(db)) {
        metrics.jobLastRunSeconds.set({ job: run.job }, run.started_at.getTime() / 1000);
        metrics.jobLastRunOk.set({ job: run.job }, run.outcome === "succeeded" ? 1 : 0);
        for (const [count, value] of Object.entries(run.counts ?? {})) {
          if (typeof value === "number") metrics.jobLastRunCount.set({ job: run.job, count }, value);
        }
      }
    },
    async () => {
      const rows = await outboxDepthByChannel(db);
      // A channel that drained must not keep its last depth: start from empty every scrape.
      metrics.outboxDepth.reset();
      metrics.outboxDepth.set({ channel: channelId, kind: "card" }, 0);
      metrics.outboxDepth.set({ channel: channelId, kind: "thread_line" }, 0);
      for (const row of rows) metrics.outboxDepth.set({ channel: row.channel, kind: row.kind }, row.depth);
    },
    async () => {
      const [open, breached] = await Promise.all([
        openCountsByReason(db),
        breachCountsByReason(db, clock.now(), slaMinutes),
      ]);
      metrics.openActions.reset();
      metrics.slaBreached.reset();
      // Always present (0 when nothing waits), so alerts and panels have a series to read.
      metrics.openActions.set({ reason: "all" }, 0);
      metrics.slaBreached.set({ reason: "all" }, 0);
      let openTotal = 0;
      let breachedTotal = 0;
      for (const row of open) {
        metrics.openActions.set({ reason: row.reason }, row.count);
        openTotal += row.count;
      }
      for (const row of breached) {
        metrics.slaBreached.set({ reason: row.reason }, row.count);
        breachedTotal += row.count;
      }
      metrics.openActions.set({ reason: "all" }, openTotal);
      metrics.slaBreached.set({ reason: "all" }, breachedTotal);
    },
  ];
  return async () => {
    await Promise.all(groups.map((group) => group().catch(() => {})));
  };
}
