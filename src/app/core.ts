import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createCardPublisher } from "../bot/card-publisher.js";
import { createCustomerMessageSender } from "../bot/customer-message-sender.js";
import type { SlackPoster } from "../bot/slack-sender.js";
import { createSlackSender } from "../bot/slack-sender.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { DatabaseHandle } from "../db/pool.js";
import { heartbeatStaleMs } from "../jobs/intent-sweep-timer.js";
import { makeReconcileJob } from "../jobs/reconcile.js";
import { createWorkerLoop } from "../jobs/worker-loop.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { type PeekerCallInfo, PeekerClient, type PeekerClientOptions } from "../peeker/client.js";
import { type IntentSweeperDeps, sweepIntents } from "../pending/intent-sweeper.js";
import {
  completeQueuedReorders,
  followAllCorrectedOrders,
  type QueuedReorderDeps,
} from "../pending/queued-reorders.js";
import type { AfterReconcileStep } from "../pending/reconcile.js";
import type { Component } from "./components.js";

/**
 * What the bot and `npm run reconcile` both run on: the Peeker client, the card publisher, the Slack sender and
 * its loop, and the reconcile job with its after-steps.
 */

/** `<hostname>:<pid>:<random>`: leases name their holder, and start-up can tell a dead holder on this host. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

/** The Peeker client from configuration; `overrides` for `npm run doctor` (one try, a short timeout). */
export function createPeekerClient(
  config: Config,
  overrides: Partial<Omit<PeekerClientOptions, "apiKey" | "baseUrl">> = {},
): PeekerClient {
  return new PeekerClient({
    apiKey: config.peeker.apiKey,
    baseUrl: config.peeker.apiUrl,
    budget: { limit: config.peeker.requestsPerMinute },
    interactiveDeadlineMs: config.peeker.interactiveDeadlineMs,
    ...overrides,
  });
}

/** The sequencer login from configuration, read when an order is placed (never copied anywhere). */
export function sequencerLoginOf(config: Config): { email?: string; password?: string } {
  return { email: config.peeker.sequencerLoginEmail, password: config.peeker.sequencerLoginPassword };
}

export interface CoreDeps {
  db: DatabaseHandle["db"];
  logger: Logger;
  clock: Clock;
  workerId: string;
  metrics: Metrics;
  /** The card sender's Slack client (src/bot/slack-clients.ts). */
  slack: SlackPoster;
  senderPollMs: number;
  onPeekerCall?: (info: PeekerCallInfo) => void;
}

export function buildCore(config: Config, deps: CoreDeps) {
  const { db, logger, clock, workerId } = deps;
  const peeker = createPeekerClient(config, {
    logger: logger.child({ component: "peeker" }),
    clock,
    ...(deps.onPeekerCall ? { onCall: deps.onPeekerCall } : {}),
  });
  const publisher = createCardPublisher(config.slack.channelId);
  const customerMessages = createCustomerMessageSender({
    db,
    slack: deps.slack,
    publisher,
    logger: logger.child({ component: "customer-messages" }),
  });
  const sender = createSlackSender({
    db,
    slack: deps.slack,
    extraTick: customerMessages.tick,
    workerId,
    logger: logger.child({ component: "slack-sender" }),
    metrics: deps.metrics,
    backlogLimit: config.cardBacklogLimit,
  });
  const senderLoop = createWorkerLoop({
    name: "slack-sender",
    logger,
    pollMs: deps.senderPollMs,
    tick: sender.tick,
  });
  const wakeSender = () => senderLoop.wake();
  const now = () => clock.now();
  const runReconcile = makeReconcileJob({
    db,
    peeker,
    publisher,
    sandbox: config.peeker.sandbox,
    now,
    logger,
    runner: workerId,
    wakeSender,
    after: afterReconcileSteps({
      db,
      peeker,
      publisher,
      now,
      sequencerLogin: () => sequencerLoginOf(config),
      wakeSender,
      // Must match the heartbeat period of the timer (src/jobs/intent-sweep-timer.ts), or a live owner looks dead.
      heartbeatStaleMs: heartbeatStaleMs(config.intentSweepSeconds * 1000),
    }),
  });
  /** Closes the Peeker client's connections once nothing calls it any more. */
  const peekerComponent: Component = { name: "peeker client", start() {}, stop: () => peeker.close() };
  /** The card sender's loop; its stop lets the send in flight finish. */
  const senderComponent: Component = {
    name: "slack sender",
    start: () => senderLoop.start(),
    async stop() {
      sender.stop();
      await senderLoop.stop();
    },
  };
  return { peeker, publisher, senderLoop, runReconcile, peekerComponent, senderComponent };
}

export type Core = ReturnType<typeof buildCore>;

/**
 * Work that must follow every reconcile (src/pending/reconcile.ts `AfterReconcileStep`). Issue #5 adds
 * `completeQueuedReorders` here: place each queued corrected order once its original order is `cancelled`.
 */
function afterReconcileSteps(deps: QueuedReorderDeps & IntentSweeperDeps): AfterReconcileStep[] {
  // A queued reorder whose original order reconciliation found cancelled is placed now (design §3).
  return [
    // First: a card whose process died mid-write is completed or released (design §6) before anything else runs.
    { name: "intent-sweeper", run: async ({ signal }) => void (await sweepIntents(deps, signal)) },
    { name: "queued-reorders", run: async () => void (await completeQueuedReorders(deps)) },
    // A card following its corrected order resolves even when that order's webhook never arrived.
    { name: "corrected-orders", run: async () => void (await followAllCorrectedOrders(deps)) },
  ];
}
