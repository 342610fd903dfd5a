import type { Kysely, Transaction } from "kysely";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { PeekerClient } from "../peeker/client.js";
import type { ApplyContext, ApplyResult, CardPublisher } from "./apply-snapshot.js";
import type { PeekerReader } from "./reread.js";
import type { ReadTicket } from "./resource-lease.js";

/**
 * What the steps of one reconciliation run (src/pending/reconcile.ts) share: its dependencies, its counts, the
 * instants that tell a row newer than the run, and the small helpers every step uses.
 */

/** What reconciliation reads; every call takes per-call options (abort signal, request counting). */
export type ReconcileReader = PeekerReader & Pick<PeekerClient, "listSwaps">;

export interface AfterReconcileRun {
  slot: string;
  now: Date;
  signal: AbortSignal | undefined;
  logger: Logger;
}

/**
 * A step that must follow each reconcile (after the walks, so what they saw is already applied). Issue #5 adds
 * `completeQueuedReorders` here: place a queued corrected order once its original order is `cancelled`.
 */
export interface AfterReconcileStep {
  name: string;
  run(run: AfterReconcileRun): Promise<void>;
}

export interface ReconcileDeps {
  db: Kysely<Database>;
  peeker: ReconcileReader;
  publisher: CardPublisher;
  sandbox: boolean;
  now: () => Date;
  logger: Logger;
  /** Wakes the Slack sender once a batch of card changes has committed. */
  wakeSender?: () => void;
  /**
   * Most Peeker requests the re-reads of one run may make (step 4; the walks are not counted), so a large drift
   * never starves webhook processing of the shared 480/min budget. Default 240.
   */
  rereadBudget?: number;
  /** Orders applied per transaction (each holds those orders' locks until it commits). Default 100. */
  batchSize?: number;
  /** Batch transactions in flight at once (each takes a pool connection). Default 2. */
  parallelBatches?: number;
  after?: readonly AfterReconcileStep[];
}

export interface ReconcileRun {
  /** The run slot (cron instant or `manual:<minute>`): the staging key and the audit cause. */
  slot: string;
  signal?: AbortSignal;
}

/** Drift counts of one run, stored in `runs.counts` (a type alias, so it is a `Record<string, number>`). */
export type ReconcileCounts = {
  /** Open actions Peeker listed (pending rows plus swap actions). */
  seen: number;
  opened: number;
  updated: number;
  reopened: number;
  resolved: number;
  unchanged: number;
  /** Listed, but changed by something else since the run began: left for that newer state. */
  skipped: number;
  errors: number;
  /** Every Peeker request of the run, retries included. */
  api_calls: number;
  /** Pages of the two walks. */
  list_calls: number;
  /** Resources re-read in step 4. */
  rereads: number;
  duration_ms: number;
};

export function emptyCounts(): ReconcileCounts {
  return {
    seen: 0,
    opened: 0,
    updated: 0,
    reopened: 0,
    resolved: 0,
    unchanged: 0,
    skipped: 0,
    errors: 0,
    api_calls: 0,
    list_calls: 0,
    rereads: 0,
    duration_ms: 0,
  };
}

export interface RunContext {
  deps: ReconcileDeps;
  run: ReconcileRun;
  counts: ReconcileCounts;
  reader: ReconcileReader;
  /** App clock at the start: rows checked since then are newer than the walk. */
  walkStarted: Date;
  /** Database clock at the start: rows changed since then are newer than the walk. */
  dbStarted: Date;
  /** The read number of the walk under way, taken before its first page: its pages are that old. */
  walkRead: ReadTicket;
}

/** Checked or changed since the run began: that state is at least as new as the walk's pages. */
export function isNewerThanRun(ctx: RunContext, row: PendingActionRow): boolean {
  return row.last_checked_at >= ctx.walkStarted || row.updated_at >= ctx.dbStarted;
}

export function applyContext(ctx: RunContext, trx: Transaction<Database>, now: Date): ApplyContext {
  return {
    trx,
    publisher: ctx.deps.publisher,
    now,
    sandbox: ctx.deps.sandbox,
    source: "reconcile" as const,
    cause: ctx.run.slot,
  };
}

export function emptyApply(): ApplyResult {
  return { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 };
}

export function add(
  total: ApplyResult & { skipped?: number },
  result: ApplyResult & { skipped?: number },
): void {
  total.opened += result.opened;
  total.updated += result.updated;
  total.resolved += result.resolved;
  total.reopened += result.reopened;
  total.unchanged += result.unchanged;
  if (total.skipped !== undefined) total.skipped += result.skipped ?? 0;
}

export function stopIfAborted(run: ReconcileRun): void {
  if (run.signal?.aborted) throw new Error("reconcile stopped: the process is shutting down");
}
