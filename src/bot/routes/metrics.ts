import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kysely } from "kysely";
import { lastFinishedRuns } from "../../db/runs.repository.js";
import type { Database } from "../../db/schema.js";
import { inboxStats } from "../../db/webhook-events.repository.js";
import type { Metrics } from "../../metrics.js";
import { sendText } from "../http.js";

/** Prometheus text. Database gauges are read at scrape time; a database outage still answers the counters. */
export function makeMetricsRoute(metrics: Metrics, db: Kysely<Database>) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const stats = await inboxStats(db);
      metrics.inboxDepth.set(stats.depth);
      metrics.inboxLagSeconds.set(stats.lagSeconds);
      metrics.eventsFailed.set(stats.failed);
    } catch {
      // keep the last values
    }
    try {
      for (const run of await lastFinishedRuns(db)) {
        metrics.jobLastRunSeconds.set({ job: run.job }, run.started_at.getTime() / 1000);
        metrics.jobLastRunOk.set({ job: run.job }, run.outcome === "succeeded" ? 1 : 0);
        for (const [count, value] of Object.entries(run.counts ?? {})) {
          if (typeof value === "number") metrics.jobLastRunCount.set({ job: run.job, count }, value);
        }
      }
    } catch {
      // keep the last values
    }
    sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType.split(";")[0]);
  };
}
