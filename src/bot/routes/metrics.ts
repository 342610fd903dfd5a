import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "../../metrics.js";
import { sendText } from "../http.js";

/**
 * Prometheus text. `refresh` reads the database gauges at scrape time; it never throws (a database outage keeps
 * their last values and still answers the counters and process metrics).
 */
export function makeMetricsRoute(metrics: Metrics, refresh: () => Promise<void>) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await refresh();
    sendText(res, 200, await metrics.registry.metrics(), metrics.registry.contentType.split(";")[0]);
  };
}
