import { createSlackClients } from "../bot/slack-clients.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DigestRun } from "../jobs/digest.js";
import { runDigest } from "../jobs/digest.js";
import { manualSlot, type SlotOutcome } from "../jobs/slots.js";
import type { Logger } from "../logger.js";
import { createComponents } from "./components.js";
import { databaseComponent } from "./database.js";
import { digestDeps } from "./visibility.js";

/**
 * `npm run digest`: posts the digest now in the manual slot of this minute (so it and `/peeker digest` on any
 * replica post once a minute at most), on the bot's own database component and Slack clients. With the embedded
 * database, stop the bot first or use `/peeker digest`: one PostgreSQL data folder serves one process.
 */
export async function runDigestOnce(
  config: Config,
  deps: { logger: Logger; clock: Clock; runner: string },
): Promise<{ slot: string; outcome: SlotOutcome<DigestRun> }> {
  const { logger, clock } = deps;
  const components = createComponents(logger);
  const { database } = await components.start(databaseComponent(config, logger));
  try {
    const slot = manualSlot(clock.now());
    const slack = createSlackClients(config, logger);
    const outcome = await runDigest(
      digestDeps({ config, db: database.db, logger, clock, runner: deps.runner, slack }),
      slot,
    );
    return { slot, outcome };
  } finally {
    await components.stop();
  }
}
