import type { Kysely } from "kysely";
import { createHomeService, type HomeService } from "../bot/home.js";
import {
  createDigestSlack,
  createHomePublisher,
  createPermalinkLookup,
  type PermalinkLookup,
} from "../bot/visibility-clients.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { CardPublisher } from "../pending/apply-snapshot.js";
import { type Schedules, type SlotJob, startSchedules } from "./cron.js";
import { type DigestRun, runDigest } from "./digest.js";
import { runNudgeJob } from "./nudges.js";
import type { SlotOutcome } from "./slots.js";

/**
 * What people see besides the cards: the digest, the SLA nudges and the App Home, built once for main.ts (the
 * composition root calls this and starts/stops it with the rest).
 */

export interface VisibilityOptions {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock: Clock;
  runner: string;
  publisher: CardPublisher;
  metrics: Metrics;
  wakeSender: () => void;
}

export interface Visibility {
  runDigest(slot: string): Promise<SlotOutcome<DigestRun>>;
  runNudges(slot: string): Promise<unknown>;
  home: HomeService;
  permalink: PermalinkLookup;
  /** The digest and nudge schedules (node-cron wiring lives in ./cron.ts). */
  jobs: SlotJob[];
  /** Starts the App Home refresher and the schedules. */
  start(): void;
  /** Stops scheduling and refreshing; waits (bounded) for a digest or nudge run in flight. */
  stop(): Promise<void>;
}

export function createVisibility(options: VisibilityOptions): Visibility {
  const { config, db, clock, runner, metrics } = options;
  const logger = options.logger;
  const permalink = createPermalinkLookup(config, logger);
  const digestSlack = createDigestSlack(config, logger, permalink);
  const now = () => clock.now();
  const home = createHomeService({
    db,
    logger: logger.child({ component: "app-home" }),
    now,
    sandbox: config.peeker.sandbox,
    publish: createHomePublisher(config, logger),
    permalink,
  });
  const digest = (slot: string) =>
    runDigest(
      { db, slack: digestSlack, config, logger: logger.child({ job: "digest" }), runner, now, metrics },
      slot,
    );
  const nudges = (slot: string) =>
    runNudgeJob(
      {
        db,
        publisher: options.publisher,
        config,
        logger: logger.child({ job: "nudge" }),
        runner,
        now,
        wakeSender: options.wakeSender,
        metrics,
      },
      slot,
    );
  const jobs: SlotJob[] = [
    { name: "digest", expression: config.digestCron, timezone: config.digestTimezone, run: digest },
    { name: "nudge", expression: config.nudgeCron, run: nudges },
  ];
  let schedules: Schedules | undefined;
  return {
    runDigest: digest,
    runNudges: nudges,
    home,
    permalink,
    jobs,
    start() {
      home.start();
      schedules ??= startSchedules(jobs, logger);
    },
    async stop() {
      home.stop();
      await schedules?.stop(4000);
    },
  };
}
