import { createSlackClients } from "../bot/slack-clients.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { databaseNow } from "../db/reconcile.repository.js";
import { unsentCardsSince } from "../db/slack-outbox.repository.js";
import type { ReconcileOutcome } from "../jobs/reconcile.js";
import { manualSlot } from "../jobs/slots.js";
import type { Logger } from "../logger.js";
import { createMetrics } from "../metrics.js";
import { recordPeekerCall } from "../pending/call-log.js";
import { createComponents } from "./components.js";
import { buildCore, newWorkerId } from "./core.js";
import { databaseComponent } from "./database.js";

export interface ReconcileOnce {
  slot: string;
  outcome: ReconcileOutcome;
  /** Cards this run changed that were still not shown in Slack when the wait (≤ 60 s) ended. */
  unsent: number;
}

/** Longest `npm run reconcile` waits for the cards it queued to be posted, ms (design §3). */
const UNSENT_WAIT_MS = 60_000;

/**
 * `npm run reconcile`: one reconcile in this minute's manual slot (a second request in the minute, here or in
 * Slack, runs nothing), then up to 60 s for the cards it queued to be posted, by this process's own sender or a
 * running bot's (whoever holds the channel's lease). With the embedded database it joins a running bot's server
 * rather than start (and so stop) it. The same components as the bot's, fewer of them, stopped in reverse.
 */
export async function runReconcileOnce(
  config: Config,
  deps: { logger: Logger; clock: Clock },
): Promise<ReconcileOnce> {
  const { logger, clock } = deps;
  const components = createComponents(logger);
  const { database } = await components.start(
    databaseComponent(config, logger, { joinRunningEmbedded: true }),
  );
  const { db } = database;
  const core = buildCore(config, {
    db,
    logger,
    clock,
    workerId: newWorkerId(),
    metrics: createMetrics(),
    slack: createSlackClients(config, logger).sender,
    senderPollMs: 250,
    // Queued reorders placed from here are audited with their request ids like any other flow.
    onPeekerCall: recordPeekerCall,
  });
  try {
    await components.startAll([core.peekerComponent, core.senderComponent]);
    const since = await databaseNow(db);
    const slot = manualSlot(clock.now());
    const outcome = await core.runReconcile(slot);
    // A wait, not business time: performance.now() is not moved by the clock.
    const deadline = performance.now() + UNSENT_WAIT_MS;
    let unsent = await unsentCardsSince(db, config.slack.channelId, since);
    while (unsent > 0 && performance.now() < deadline) {
      core.senderLoop.wake();
      await new Promise((resolve) => setTimeout(resolve, 250));
      unsent = await unsentCardsSince(db, config.slack.channelId, since);
    }
    return { slot, outcome, unsent };
  } finally {
    await components.stop();
  }
}
