import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "../http.js";

export interface ReadinessCheck {
  /** Resolves true when the database answers and every migration is applied. */
  isReady(): Promise<boolean>;
  /** True from SIGTERM on: the process is draining and must get no new work (src/bot/drain.ts). */
  isDraining?(): boolean;
}

/** Liveness: the process is up and its event loop answers. No I/O. */
export async function healthz(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { status: "ok" });
}

export function makeReadyz(check: ReadinessCheck) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (check.isDraining?.()) {
      sendJson(res, 503, { error: "shutting down: finishing the work in flight" });
      return;
    }
    let ready = false;
    try {
      ready = await check.isReady();
    } catch {
      ready = false;
    }
    if (ready) sendJson(res, 200, { status: "ready" });
    else sendJson(res, 503, { error: "database unreachable or not migrated" });
  };
}
