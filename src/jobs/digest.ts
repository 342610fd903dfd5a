import type { Kysely } from "kysely";
import type { Config } from "../config.js";
import { lastSucceededRun } from "../db/runs.repository.js";
import type { Database } from "../db/schema.js";
import { acquireChannelLease, afterChannelSend, releaseChannelLease } from "../db/slack-outbox.repository.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { computeDigest, type DigestData } from "../pending/digest.js";
import { runInSlot, type SlotOutcome } from "./slots.js";

/**
 * The digest job: once per slot across replicas (`runs` row, job "digest"), compute, render, post. The post
 * shares the channel's pacing with the card sender (same lease and `next_send_at`), on a client of its own
 * that fails fast on 429, so a digest never stalls interactive calls nor jumps the channel's queue.
 */

export const DIGEST_JOB = "digest";

/** The Slack calls the digest makes (WebClients wired in by the composition root; tests may pass plain objects). */
export interface DigestSlack {
  getPermalink(channel: string, ts: string): Promise<string | undefined>;
  postMessage(args: Record<string, unknown>): Promise<{ ts?: string }>;
}

/** The digest as a Slack message (the Block Kit view, src/bot/views/digest.ts, passed in by the root). */
export type RenderDigest = (input: {
  data: DigestData;
  slot: string;
  permalinks: ReadonlyMap<string, string>;
}) => { text: string; blocks: readonly unknown[]; metadata: unknown };

export interface DigestDeps {
  db: Kysely<Database>;
  slack: DigestSlack;
  render: RenderDigest;
  config: Pick<Config, "slaMinutes"> & { slack: Pick<Config["slack"], "channelId"> };
  logger: Logger;
  /** This process's worker id; the digest takes the channel lease as `<runner>:digest`. */
  runner: string;
  now: () => Date;
  metrics?: Metrics;
  /** How long to wait for the channel's lease before posting anyway, ms (default 30 s). */
  leaseWaitMs?: number;
}

export interface DigestRun {
  counts: Record<string, number>;
  ts: string | undefined;
}

export async function runDigest(deps: DigestDeps, slot: string): Promise<SlotOutcome<DigestRun>> {
  const outcome = await runInSlot(deps, DIGEST_JOB, slot, async () => {
    const now = deps.now();
    // The current run's row is `running`, so the last succeeded one is the previous digest.
    const previous = await lastSucceededRun(deps.db, DIGEST_JOB);
    const data = await computeDigest(deps.db, {
      now,
      sla: deps.config.slaMinutes,
      previousDigestAt: previous?.started_at,
    });
    const permalinks = await permalinksFor(deps, [...data.oldest, ...data.breaches.oldest]);
    const rendered = deps.render({ data, slot, permalinks });
    const ts = await postPaced(deps, {
      channel: deps.config.slack.channelId,
      text: rendered.text,
      blocks: rendered.blocks,
      metadata: rendered.metadata,
      unfurl_links: false,
      unfurl_media: false,
    });
    return {
      ts,
      counts: {
        open: data.open.total,
        breached: data.breaches.total,
        resolved: data.resolved.total,
        linked: permalinks.size,
      },
    };
  }).catch((error: unknown) => {
    deps.metrics?.digests.inc({ outcome: "failed" });
    throw error;
  });
  deps.metrics?.digests.inc({ outcome: outcome.ran ? "posted" : "skipped" });
  return outcome;
}

/** Card permalinks, a few at a time; a card without one is listed without a link. */
async function permalinksFor(
  deps: DigestDeps,
  items: { id: string; card: { channel: string; ts: string } | undefined }[],
): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const wanted = [...new Map(items.filter((i) => i.card).map((i) => [i.id, i.card!])).entries()];
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const [id, card] = wanted[next++]!;
      const link = await deps.slack.getPermalink(card.channel, card.ts).catch(() => undefined);
      if (link) links.set(id, link);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, wanted.length) }, worker));
  return links;
}

/**
 * Posts in the channel's turn: take its lease (as a worker of its own, so this process's sender does not
 * mistake it for its own), wait its `next_send_at`, post, record the send. A 429 waits Retry-After and tries
 * again a few times. Without the lease after `leaseWaitMs` it posts anyway: a digest late by a minute is
 * worse than one Slack paces.
 */
async function postPaced(deps: DigestDeps, message: Record<string, unknown> & { channel: string }) {
  const worker = `${deps.runner}:digest`;
  // A wait, not business time: performance.now() is not moved by the clock.
  const deadline = performance.now() + (deps.leaseWaitMs ?? 30_000);
  let lease = await acquireChannelLease(deps.db, message.channel, worker, 30);
  while (!lease && performance.now() < deadline) {
    await sleep(250);
    lease = await acquireChannelLease(deps.db, message.channel, worker, 30);
  }
  try {
    if (lease && lease.waitMs > 0) await sleep(Math.min(lease.waitMs, 10_000));
    for (let attempt = 1; ; attempt++) {
      try {
        const { ts } = await deps.slack.postMessage(message);
        if (lease)
          await afterChannelSend(deps.db, message.channel, worker, { pacedGapMs: 1000, pacedForMs: 0 });
        return ts;
      } catch (error) {
        const retryAfter = (error as { retryAfter?: number }).retryAfter;
        if (retryAfter === undefined || attempt >= 4) throw error;
        deps.logger.warn({ retryAfterSeconds: retryAfter }, "digest rate limited; waiting for the channel");
        await sleep(Math.max(1, retryAfter) * 1000);
      }
    }
  } finally {
    if (lease) await releaseChannelLease(deps.db, message.channel, worker).catch(() => {});
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
