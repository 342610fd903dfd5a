import type { Kysely } from "kysely";
import { homeFingerprint, listFailedEvents, outboxStats } from "../db/health.repository.js";
import { lastRun } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import { inboxStats } from "../db/webhook-events.repository.js";
import type { Logger } from "../logger.js";
import { countClaimedBy, oldestOpen, openCountsByReason } from "../pending/open-actions.js";
import { type HomeView, renderHome } from "./views/home.js";

/**
 * The App Home (design §1): published when someone opens the tab, and kept fresh for the people who opened it
 * recently: each `refresh()` (the composition root runs it every few seconds, as a loop it starts and stops)
 * compares a cheap fingerprint of what the tab shows and, when it changed, republishes the tabs of its recent
 * viewers (each at most once per `minGapMs`). Viewers are kept in memory: a tab is refreshed by the replica that
 * received its `app_home_opened`, which is enough to keep it live and costs no table. Viewer ages and publish gaps
 * are elapsed time (performance.now()), not business time.
 */

export interface HomeServiceOptions {
  db: Kysely<Database>;
  logger: Logger;
  now: () => Date;
  sandbox: boolean;
  /** `views.publish` for one user. */
  publish: (userId: string, view: HomeView) => Promise<void>;
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** How long a viewer stays "recent" after opening the tab, ms (default 30 min). */
  viewerTtlMs?: number;
  /** Least time between two publishes to one user, ms (default 5 s; views.publish is Tier 4). */
  minGapMs?: number;
}

export interface HomeService {
  /** Publishes the viewer's tab now and keeps it fresh for a while. */
  opened(userId: string): Promise<void>;
  /**
   * Republishes the recent viewers' tabs if what they show changed; never throws. An aborted `signal` stops it
   * between viewers, so a shutdown waits for one publish at most, not for every stale tab on a slow Slack.
   */
  refresh(signal?: AbortSignal): Promise<void>;
}

export function createHomeService(options: HomeServiceOptions): HomeService {
  const { db, logger } = options;
  const viewerTtlMs = options.viewerTtlMs ?? 30 * 60 * 1000;
  const minGapMs = options.minGapMs ?? 5000;
  /** userId → when they last opened the tab (performance.now(), ms). */
  const viewers = new Map<string, number>();
  /** userId → when their tab was last published (performance.now(), ms). */
  const published = new Map<string, number>();
  const stale = new Set<string>();
  let lastFingerprint: string | undefined;
  let refreshing = false;

  const publish = async (userId: string) => {
    const view = await buildHome(options, userId);
    await options.publish(userId, view);
    published.set(userId, performance.now());
    stale.delete(userId);
  };

  const forgetOldViewers = (now: number) => {
    for (const [userId, at] of viewers) {
      if (now - at <= viewerTtlMs) continue;
      viewers.delete(userId);
      published.delete(userId);
      stale.delete(userId);
    }
  };

  const refreshStale = async (now: number, signal: AbortSignal | undefined) => {
    const fingerprint = await homeFingerprint(db);
    if (lastFingerprint !== undefined && fingerprint !== lastFingerprint) {
      for (const userId of viewers.keys()) stale.add(userId);
    }
    lastFingerprint = fingerprint;
    for (const userId of [...stale]) {
      if (signal?.aborted) return;
      if (now - (published.get(userId) ?? Number.NEGATIVE_INFINITY) < minGapMs) continue;
      await publish(userId).catch((error: Error) =>
        logger.warn({ err: { message: error.message }, userId }, "could not refresh the App Home"),
      );
    }
  };

  return {
    async opened(userId) {
      viewers.set(userId, performance.now());
      // The fingerprint is taken before the build, so a change during it makes the next refresh republish.
      if (lastFingerprint === undefined) lastFingerprint = await homeFingerprint(db).catch(() => undefined);
      await publish(userId);
    },
    async refresh(signal) {
      if (refreshing) return;
      refreshing = true;
      try {
        const now = performance.now();
        forgetOldViewers(now);
        if (viewers.size > 0) await refreshStale(now, signal);
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, "App Home refresh failed");
      } finally {
        refreshing = false;
      }
    },
  };
}

/** One user's tab: the queue, what they claimed, the last reconcile and health. */
async function buildHome(options: HomeServiceOptions, userId: string): Promise<HomeView> {
  const { db } = options;
  const now = options.now();
  const [byReason, oldest, mine, mineTotal, lastReconcile, inbox, failed, outbox] = await Promise.all([
    openCountsByReason(db),
    oldestOpen(db, { limit: 10 }),
    oldestOpen(db, { limit: 8, claimedBy: userId }),
    countClaimedBy(db, userId),
    lastRun(db, "reconcile"),
    inboxStats(db),
    listFailedEvents(db, 5),
    outboxStats(db),
  ]);
  const permalinks = new Map<string, string>();
  await Promise.all(
    [...oldest, ...mine].map(async (item) => {
      if (!item.card) return;
      const link = await options.permalink(item.card.channel, item.card.ts).catch(() => undefined);
      if (link) permalinks.set(item.id, link);
    }),
  );
  return renderHome({
    now,
    byReason,
    oldest,
    mine,
    mineTotal,
    lastReconcile,
    inbox,
    failed,
    outbox,
    permalinks,
    sandbox: options.sandbox,
  });
}
