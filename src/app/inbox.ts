import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/pool.js";
import { createInboxProcessor } from "../jobs/inbox-processor.js";
import { createRereadPacing } from "../jobs/reread-pacing.js";
import type { WorkerLoop } from "../jobs/worker-loop.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { classifyBareEvent } from "../pending/ignored-events.js";
import { processEvents } from "../pending/process-event.js";
import type { Core } from "./core.js";
import { sequencerLoginOf } from "./core.js";
import type { IntakePressure } from "./intake-pressure.js";

/** The inbox processor wired to the domain: each claimed group of events is re-read and applied. */

export interface InboxDeps {
  db: DatabaseHandle["db"];
  logger: Logger;
  clock: Clock;
  workerId: string;
  metrics: Metrics;
  core: Pick<Core, "peeker" | "publisher" | "senderLoop">;
  /** While the webhook intake is pressed (src/app/intake-pressure.ts), the processor yields to it. */
  intakePressure?: Pick<IntakePressure, "pressed">;
}

export function buildInbox(config: Config, deps: InboxDeps): WorkerLoop {
  const { db, clock } = deps;
  const { peeker, publisher, senderLoop } = deps.core;
  return createInboxProcessor({
    db,
    workerId: deps.workerId,
    logger: deps.logger.child({ component: "inbox" }),
    metrics: deps.metrics,
    concurrency: config.inbox.concurrency,
    batchSize: config.inbox.batchSize,
    coalesce: config.inbox.coalesce,
    capacity: () => peeker.backgroundCapacity(),
    pacing: createRereadPacing({
      // Three quarters of the budget: a re-read may cost two calls, and buttons and reconciliation need room.
      perMinute: Math.max(1, Math.floor(config.peeker.requestsPerMinute * 0.75)),
      // Refilled on the monotonic default clock: a token bucket needs only the time between two calls.
      burst: config.inbox.rereadBurst,
    }),
    yieldToIntake: () => deps.intakePressure?.pressed() ?? false,
    classifyBareEvent: (event) => classifyBareEvent(event.event_id, event.payload),
    handle: async (events) => {
      const outcome = await processEvents(
        {
          db,
          peeker,
          publisher,
          sandbox: config.peeker.sandbox,
          now: () => clock.now(),
          reorders: { peeker, sequencerLogin: () => sequencerLoginOf(config) },
          coalesce: config.inbox.coalesce,
        },
        events,
      );
      // An ignored event (no resource named) changed no card. Waking the sender for it made it look for work, a query
      // per event: under a burst of such events that kept the sender's loop running back to back (bench/README.md).
      if (outcome.kind !== "ignored") senderLoop.wake();
      return "audit" in outcome ? { audit: outcome.audit } : undefined;
    },
  });
}
