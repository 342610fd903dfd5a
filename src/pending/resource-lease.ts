import { hostname } from "node:os";
import type { Kysely, Transaction } from "kysely";
import {
  appliedReadStarts,
  beginResourceRead,
  lockResourceReads,
  markReadsApplied,
  nextReadNumber,
  releaseLeaseOfHolder,
  releaseResourceLease,
  takeResourceLease,
} from "../db/resource-reads.repository.js";
import type { Database } from "../db/schema.js";

/**
 * Per-resource ordering of re-reads without a transaction held across Peeker (migrations/0005, design §5).
 *
 * A re-read is: take a read number (and, for background work, the resource's lease) in one statement → ask
 * Peeker with no connection held → a short apply transaction that calls `admitReads`, which locks the
 * resources' rows and lets a snapshot in only if no newer read of that resource was applied. The read number
 * comes from one database sequence, so "newer" means "began later" across every replica.
 */

/** One begun re-read of one resource. `seq` is a bigint as a decimal string. */
export interface ReadTicket {
  resource: string;
  seq: string;
  startedAt: Date;
}

/** A read that also holds the resource's lease until `leasedUntil` (or until given back). */
export interface LeasedRead extends ReadTicket {
  leasedUntil: Date;
}

const HOLDER = `${hostname()}:${process.pid}`;

/**
 * Resources this process is re-reading right now. A lease in the database held by this process but not listed
 * here is one whose give-back failed (the database was unreachable at that moment): it is taken back at once
 * rather than blocking the resource until it runs out.
 */
const heldHere = new Set<string>();

/**
 * Leases this process may hold in the database without using them: a give-back that failed, or a take whose
 * answer was lost (the statement may have committed). Another process would otherwise wait for them to run out
 * (LEASE_SECONDS); they are given back as soon as the database answers again, by a retry every second.
 */
const owed = new Set<string>();
let settling: NodeJS.Timeout | undefined;

function owe(db: Kysely<Database>, resource: string): void {
  owed.add(resource);
  if (settling) return;
  settling = setInterval(() => void settleOwed(db), 1000);
  // A retry must never keep the process alive on its own.
  settling.unref();
}

async function settleOwed(db: Kysely<Database>): Promise<void> {
  for (const resource of owed) {
    // Taken again meanwhile and in use by this process: its own give-back will follow.
    if (heldHere.has(resource)) {
      owed.delete(resource);
      continue;
    }
    try {
      await releaseLeaseOfHolder(db, resource, HOLDER);
      owed.delete(resource);
    } catch {
      return; // still unreachable: the next tick tries again
    }
  }
  if (owed.size === 0 && settling) {
    clearInterval(settling);
    settling = undefined;
  }
}

/** How long a lease outlives its holder: longer than one re-read with its retries and a 429 pause. */
export const LEASE_SECONDS = 120;

/**
 * Takes the resource's lease and a read number, or answers undefined when another worker's lease is still
 * running (that worker is re-reading it now; the caller retries later rather than waiting on a lock).
 */
export async function takeLease(
  db: Kysely<Database>,
  resource: string,
  seconds = LEASE_SECONDS,
): Promise<LeasedRead | undefined> {
  // A lease of ours that this process no longer uses is one whose give-back failed: taken back at once.
  const taken = await takeResourceLease(db, {
    resource,
    holder: HOLDER,
    seconds,
    retakeOwn: !heldHere.has(resource),
  }).catch((error: unknown) => {
    // The statement may have committed with its answer lost: the lease is given back once the database answers.
    if (!heldHere.has(resource)) owe(db, resource);
    throw error;
  });
  if (!taken) return undefined;
  heldHere.add(resource);
  return { resource, ...taken };
}

/**
 * A read number without the lease: for a person waiting on a button (never made to wait for a background
 * re-read) and for a resource a composite re-read discovers (a domain's import). Ordering still holds.
 */
export async function beginRead(db: Kysely<Database>, resource: string): Promise<ReadTicket> {
  const read = await beginResourceRead(db, resource);
  if (!read) throw new Error(`could not begin a read of ${resource}`);
  return { resource, ...read };
}

/**
 * A read number for work that read Peeker before it knew its resources (a reconcile walk's pages), with the
 * database's time, the clock an event's arrival is compared with.
 */
export async function readNumberNow(db: Kysely<Database>): Promise<Omit<ReadTicket, "resource">> {
  const read = await nextReadNumber(db);
  if (!read) throw new Error("could not take a read number");
  return read;
}

/**
 * When the newest applied read of each resource began (database time): an event stored before it is answered by
 * what was applied (issue #14). Resources never applied are left out.
 */
export async function appliedReadsStarted(db: Kysely<Database>, keys: string[]): Promise<Map<string, Date>> {
  return appliedReadStarts(db, keys);
}

/** Gives the lease back, if it is still ours (an expired lease someone else took has another token). */
export async function releaseLease(db: Kysely<Database>, lease: LeasedRead): Promise<void> {
  heldHere.delete(lease.resource);
  await releaseResourceLease(db, lease.resource, lease.seq).catch((error: unknown) => {
    owe(db, lease.resource);
    throw error;
  });
}

/**
 * Inside the apply transaction: locks the rows of every resource about to be applied (in key order, so two
 * applies never deadlock on them), and answers the resources whose read is newer than the newest applied one,
 * recording it as applied. A resource left out has a newer snapshot in already: its snapshot must be dropped.
 */
export async function admitReads(
  trx: Transaction<Database>,
  reads: ReadTicket[],
  options: { answersEarlierEvents?: boolean } = {},
): Promise<Set<string>> {
  const newest = new Map<string, ReadTicket>();
  for (const read of reads) {
    const seen = newest.get(read.resource);
    if (!seen || BigInt(read.seq) > BigInt(seen.seq)) newest.set(read.resource, read);
  }
  const keys = [...newest.keys()];
  if (keys.length === 0) return new Set();
  const rows = await lockResourceReads(trx, keys);
  const admitted = new Set<string>();
  for (const row of rows) {
    const read = newest.get(row.resource_key);
    if (!read) continue;
    if (row.applied_read_seq !== null && BigInt(read.seq) <= BigInt(row.applied_read_seq)) continue;
    admitted.add(row.resource_key);
  }
  // Only a read whose snapshots are all applied once admitted may answer the events stored before it (issue
  // #14); a reconcile walk can still skip a group it admitted (a row changed during the walk), so it says no.
  const answers = options.answersEarlierEvents ?? true;
  await markReadsApplied(
    trx,
    [...admitted].map((key) => {
      const read = newest.get(key);
      return {
        resource: key,
        seq: read?.seq ?? "0",
        started: answers ? (read?.startedAt.toISOString() ?? null) : null,
      };
    }),
  );
  return admitted;
}
