import type { Kysely } from "kysely";
import { DAY } from "../clock.js";
import {
  pruneAuditLog,
  pruneResolvedActions,
  pruneResourceReads,
  pruneSentThreadLines,
} from "../db/retention.repository.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { SlotJob } from "./cron.js";
import { type JobResult, runInSlot, type SlotOutcome } from "./slots.js";

/**
 * Retention (RETENTION_DAYS, default 90): audit rows, sent thread lines, and resolved actions with their posted
 * card go once older than the window. It runs in a cron slot (one replica per slot), in small batches with no
 * transaction across them, and stops after `maxBatches` per table: a first run on a large database spreads over
 * several slots instead of loading the server; `signal` stops it between batches on shutdown.
 */

export interface RetentionDeps {
  db: Kysely<Database>;
  logger: Logger;
  runner: string;
  now: () => Date;
  metrics?: Metrics;
  retentionDays: number;
  /** Rows per statement (default 500). */
  batchSize?: number;
  /** Statements per table and run (default 20). */
  maxBatches?: number;
}

export interface RetentionCounts extends JobResult {
  counts: {
    audit_log: number;
    thread_lines: number;
    slack_cards: number;
    pending_actions: number;
    customer_messages: number;
    resource_reads: number;
  };
}

export function runRetentionJob(
  deps: RetentionDeps,
  slot: string,
  signal?: AbortSignal,
): Promise<SlotOutcome<RetentionCounts>> {
  return runInSlot(deps, "retention", slot, () => pruneOnce(deps, signal));
}

/** The cron wiring: every replica schedules it, the slot's `runs` row lets one of them run it. */
export function retentionSchedule(expression: string | undefined, deps: RetentionDeps): SlotJob {
  return { name: "retention", expression, run: (slot, signal) => runRetentionJob(deps, slot, signal) };
}

export async function pruneOnce(deps: RetentionDeps, signal?: AbortSignal): Promise<RetentionCounts> {
  const { db } = deps;
  const batchSize = deps.batchSize ?? 500;
  const maxBatches = deps.maxBatches ?? 20;
  const cutoff = new Date(deps.now().getTime() - deps.retentionDays * DAY);
  const counts = {
    audit_log: 0,
    thread_lines: 0,
    slack_cards: 0,
    pending_actions: 0,
    customer_messages: 0,
    resource_reads: 0,
  };
  const loop = async (step: () => Promise<number>) => {
    for (let i = 0; i < maxBatches && !signal?.aborted; i++) {
      if ((await step()) < batchSize) return;
    }
  };
  await loop(async () => {
    const removed = await pruneResolvedActions(db, cutoff, batchSize);
    counts.pending_actions += removed.actions;
    counts.slack_cards += removed.cards;
    counts.thread_lines += removed.threadLines;
    counts.customer_messages += removed.customerMessages;
    return removed.actions;
  });
  await loop(async () => {
    const removed = await pruneSentThreadLines(db, cutoff, batchSize);
    counts.thread_lines += removed;
    return removed;
  });
  await loop(async () => {
    const removed = await pruneAuditLog(db, cutoff, batchSize);
    counts.audit_log += removed;
    return removed;
  });
  await loop(async () => {
    const removed = await pruneResourceReads(db, cutoff, batchSize);
    counts.resource_reads += removed;
    return removed;
  });
  for (const [table, value] of Object.entries(counts)) {
    if (value > 0) deps.metrics?.retentionPruned.inc({ table }, value);
  }
  if (Object.values(counts).some((value) => value > 0)) {
    deps.logger.info({ counts, retentionDays: deps.retentionDays }, "old rows pruned");
  }
  return { counts };
}
