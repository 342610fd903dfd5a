import type { Kysely } from "kysely";
import { createHomeService, type HomeService } from "../bot/home.js";
import type { PermalinkLookup, SlackClients } from "../bot/slack-clients.js";
import { renderDigest } from "../bot/views/digest.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Database } from "../db/schema.js";
import type { SlotJob } from "../jobs/cron.js";
import { type DigestDeps, type DigestRun, runDigest } from "../jobs/digest.js";
import { runNudgeJob } from "../jobs/nudges.js";
import type { SlotOutcome } from "../jobs/slots.js";
import { createWorkerLoop } from "../jobs/worker-loop.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { CardPublisher } from "../pending/apply-snapshot.js";
import type { Component } from "./components.js";

/**
 * What people see besides the cards: the digest, the SLA nudges and the App Home. Their schedules join the
 * others (one `startSchedules`, src/app/bot.ts); the App Home refresher is a loop the root starts and stops.
 */

/** How often the App Home refresher compares the fingerprint of what the tab shows, ms. */
const HOME_REFRESH_MS = 5000;

export interface VisibilityOptions {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock: Clock;
  runner: string;
  publisher: CardPublisher;
  metrics: Metrics;
  slack: Pick<SlackClients, "digest" | "publishHome" | "permalink">;
  wakeSender: () => void;
}

export interface Visibility {
  runDigest(slot: string): Promise<SlotOutcome<DigestRun>>;
  home: HomeService;
  permalink: PermalinkLookup;
  /** The digest and nudge schedules (node-cron wiring lives in src/jobs/cron.ts). */
  jobs: SlotJob[];
  /** Republishes recent viewers' App Home tabs when what they show changed. */
  homeRefresher: Component;
}

export function createVisibility(options: VisibilityOptions): Visibility {
  const { config, db, clock, runner, metrics, logger, slack } = options;
  const now = () => clock.now();
  const home = createHomeService({
    db,
    logger: logger.child({ component: "app-home" }),
    now,
    sandbox: config.peeker.sandbox,
    publish: slack.publishHome,
    permalink: slack.permalink,
  });
  const digest = (slot: string) =>
    runDigest({ ...digestDeps(options), logger: logger.child({ job: "digest" }), metrics }, slot);
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
  // Stopping aborts the refresh in flight between viewers (it used to be a timer nobody waited for): the stop
  // waits for one publish at most, so a slow Slack cannot push the shutdown past its bound.
  const stopping = new AbortController();
  const refresher = createWorkerLoop({
    name: "app-home",
    logger,
    pollMs: HOME_REFRESH_MS,
    tick: async () => {
      await home.refresh(stopping.signal);
      return false;
    },
  });
  return {
    runDigest: digest,
    home,
    permalink: slack.permalink,
    jobs: [
      { name: "digest", expression: config.digestCron, timezone: config.digestTimezone, run: digest },
      { name: "nudge", expression: config.nudgeCron, run: nudges },
    ],
    homeRefresher: {
      name: "app home refresher",
      start: () => refresher.start(),
      stop: () => {
        stopping.abort();
        return refresher.stop();
      },
    },
  };
}

/** What a digest run needs, for the bot and for `npm run digest`. */
export function digestDeps(
  options: Pick<VisibilityOptions, "config" | "db" | "logger" | "clock" | "runner"> & {
    slack: Pick<SlackClients, "digest" | "permalink">;
  },
): DigestDeps {
  return {
    db: options.db,
    slack: { getPermalink: options.slack.permalink, postMessage: options.slack.digest.postMessage },
    render: renderDigest,
    config: options.config,
    logger: options.logger,
    runner: options.runner,
    now: () => options.clock.now(),
  };
}
