import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../clock.js";
import { findPendingAction } from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import { type ApplyContext, type ApplyResult, applySnapshot, type CardPublisher } from "./apply-snapshot.js";
import type { PeekerReader } from "./reread.js";
import { admitReads, beginRead, releaseLease, takeLease } from "./resource-lease.js";
import { type ReadSnapshot, type Resource, resourceOf } from "./resource-model.js";
import type { Snapshot } from "./snapshot.js";

/**
 * Re-reads one resource from Peeker and writes what it says into the tracked actions and their cards — the one
 * path events, buttons and reconciliation share (issue #10). No connection is held while Peeker answers:
 *
 * 1. one statement numbers the read (and, for background work, takes the resource's lease);
 * 2. Peeker is read with no transaction open;
 * 3. a short transaction admits the snapshots whose read is newer than the newest applied one for their
 *    resource (src/pending/resource-lease.ts) and applies only those; an older one is dropped, never applied.
 */

export interface RefreshDeps {
  db: Kysely<Database>;
  publisher: CardPublisher;
  sandbox: boolean;
  now: () => Date;
}

export interface RefreshOptions {
  source: ApplyContext["source"];
  cause: string;
  /**
   * Background work takes the lease and gives up when another worker holds it (it is re-reading the resource
   * now); a person's button only numbers its read, so it never waits behind a slow background re-read.
   */
  lease: boolean;
  /** More writes for the same short apply transaction (the event's audit row, reconcile's checked mark). */
  inApply?: (trx: Transaction<Database>, applied: AppliedRead) => Promise<void>;
}

export interface AppliedRead {
  result: ApplyResult;
  snapshots: Snapshot[];
  /** Snapshots dropped because a newer read of their resource was applied first. */
  superseded: number;
}

export type RefreshOutcome = ({ kind: "applied" } & AppliedRead) | { kind: "busy"; resource: string };

export async function refreshFromPeeker(
  deps: RefreshDeps,
  reader: PeekerReader,
  resource: Resource,
  options: RefreshOptions,
): Promise<RefreshOutcome> {
  const lease = options.lease ? await takeLease(deps.db, resource.key) : undefined;
  if (options.lease && !lease) return { kind: "busy", resource: resource.key };
  const primary = lease ?? (await beginRead(deps.db, resource.key));
  try {
    const reads = await resource.reread(reader, primary, (key) => beginRead(deps.db, key));
    const applied = await deps.db.transaction().execute(async (trx) => {
      const outcome = await applyAdmitted(deps, trx, reads, options);
      await options.inApply?.(trx, outcome);
      return outcome;
    });
    return { kind: "applied", ...applied };
  } finally {
    if (lease) await releaseLease(deps.db, lease);
  }
}

async function applyAdmitted(
  deps: RefreshDeps,
  trx: Transaction<Database>,
  reads: ReadSnapshot[],
  options: RefreshOptions,
): Promise<AppliedRead> {
  const admitted = await admitReads(
    trx,
    reads.map((r) => r.read),
  );
  const result: ApplyResult = { opened: 0, updated: 0, resolved: 0, reopened: 0, unchanged: 0 };
  const snapshots: Snapshot[] = [];
  let superseded = 0;
  const now = deps.now();
  for (const { read, snapshot } of reads) {
    if (!admitted.has(read.resource)) {
      superseded++;
      continue;
    }
    snapshots.push(snapshot);
    const ctx: ApplyContext = {
      trx,
      publisher: deps.publisher,
      now,
      sandbox: deps.sandbox,
      source: options.source,
      cause: options.cause,
    };
    addApply(result, await applySnapshot(ctx, snapshot));
  }
  return { result, snapshots, superseded };
}

export function addApply(total: ApplyResult, result: ApplyResult): void {
  total.opened += result.opened;
  total.updated += result.updated;
  total.resolved += result.resolved;
  total.reopened += result.reopened;
  total.unchanged += result.unchanged;
}

/** What a person's refresh of one action needs: a subset of the resolution flows' `ResolveDeps`. */
export interface ActionRefreshDeps {
  db: Kysely<Database>;
  publisher: CardPublisher;
  clock: Clock;
  sandbox: boolean;
  wakeSender: () => void;
}

/**
 * Refreshes one tracked action from Peeker for a person (*Refresh*, and step 3 of every resolution flow, before
 * its write): re-reads the card's resource exactly as an event would — so it writes what Peeker says into the
 * tracked actions and their cards, and wakes the sender — then returns the row after it, so a click acts on
 * what Peeker says now.
 */
export async function refreshActionFromPeeker(
  deps: ActionRefreshDeps,
  reader: PeekerReader,
  row: PendingActionRow,
  cause: string,
): Promise<PendingActionRow> {
  const resource = resourceOf(row);
  if (!resource) return row;
  const refresh = {
    db: deps.db,
    publisher: deps.publisher,
    sandbox: deps.sandbox,
    now: () => deps.clock.now(),
  };
  await refreshFromPeeker(refresh, reader, resource, { source: "peeker", cause, lease: false });
  deps.wakeSender();
  return (await findPendingAction(deps.db, row.id)) ?? row;
}
