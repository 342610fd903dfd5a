import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kysely } from "kysely";
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
    sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType.split(";")[0]);
  };
}
