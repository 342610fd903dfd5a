import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import { isAlive } from "../db/embedded.js";
import { recordIntentRow } from "../db/intents.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";

/**
 * Every Peeker write made from a card is an intent first (design §6): before the call the row says what is being
 * done (`intent_kind`, `intent_payload` without secrets), since when and by which process. The sweeper
 * (src/pending/intent-sweeper.ts) looks at an intent only once its process is gone or has given up on it:
 *
 * - this process: the row is no longer in `inFlight` (the flow ended, e.g. its recording commit failed);
 * - another process with a heartbeat (migrations/0009_worker_heartbeats.sql, refreshed every
 *   INTENT_SWEEP_SECONDS by src/jobs/intent-sweep-timer.ts): its heartbeat is older than twice that period, or
 *   it ran on this host and its pid is dead (found at once, not a period later);
 * - another process without one (it ran before heartbeats existed): on this host, its pid is dead or is our own
 *   pid (a container restart reuses pid 1); on another host, the intent is older than `FOREIGN_INTENT_STALE_MS`.
 */

export type IntentKind =
  | "lock"
  | "swap_create"
  | "order_create"
  | "order_cancel"
  | "queued_order_create"
  | "customer_message";

/** Longest a flow of another host may work on one card before its intent counts as abandoned. */
export const FOREIGN_INTENT_STALE_MS = 5 * 60 * 1000;

const HOST = hostname();
/** `<hostname>:<pid>:<random>`, the form lease holders use; the random part tells a reused pid apart. */
export const INTENT_OWNER = `${HOST}:${process.pid}:${randomBytes(3).toString("hex")}`;

/** Card ids a flow of this process is working on right now (from its lock to its last commit). */
const inFlight = new Map<string, number>();

export function holdInFlight(pendingActionId: string): void {
  inFlight.set(pendingActionId, (inFlight.get(pendingActionId) ?? 0) + 1);
}

export function dropInFlight(pendingActionId: string): void {
  const n = (inFlight.get(pendingActionId) ?? 0) - 1;
  if (n > 0) inFlight.set(pendingActionId, n);
  else inFlight.delete(pendingActionId);
}

/** Runs `work` with the card marked as worked on by this process, so this process's sweeper leaves it alone. */
export async function whileInFlight<T>(pendingActionId: string, work: () => Promise<T>): Promise<T> {
  holdInFlight(pendingActionId);
  try {
    return await work();
  } finally {
    dropInFlight(pendingActionId);
  }
}

/**
 * Whether nobody is working on this row's intent any more (see the module comment). `heartbeats` says, for the
 * owners that have a heartbeat row, whether it is fresh (src/db/heartbeats.repository.ts `heartbeatsOf`).
 */
export function isAbandoned(
  row: Pick<PendingActionRow, "id" | "intent_owner" | "intent_at" | "resolving_since">,
  now: Date,
  heartbeats: ReadonlyMap<string, boolean> = new Map(),
): boolean {
  const owner = row.intent_owner;
  if (owner === INTENT_OWNER) return !inFlight.has(row.id);
  const since = row.intent_at ?? row.resolving_since;
  const old = since ? now.getTime() - since.getTime() > FOREIGN_INTENT_STALE_MS : true;
  if (!owner) return old;
  const [host, pidText] = owner.split(":");
  const pid = Number(pidText);
  const sameHost = host === HOST && Number.isInteger(pid);
  const alive = heartbeats.get(owner);
  // The heartbeat decides; a dead pid on this host only says so sooner. No "our own pid" rule here: two
  // host-network containers may both be pid 1 and alive.
  if (alive !== undefined) return !alive || (sameHost && pid !== process.pid && !isAlive(pid));
  if (!sameHost) return old;
  return pid === process.pid || !isAlive(pid);
}

/**
 * Records the write about to be sent. Throws when the card is no longer this user's lock (a sweeper took it
 * back) or the database is unreachable: either way the write must not be sent.
 */
export async function recordIntent(
  db: Kysely<Database>,
  input: { id: string; userId: string; kind: IntentKind; payload: Record<string, unknown>; now: Date },
): Promise<void> {
  const row = await recordIntentRow(db, { ...input, owner: INTENT_OWNER });
  if (!row) throw new Error("The card is no longer locked for this submit");
}

/**
 * A write's outcome is recorded only onto the card still waiting on it: resolving, with that write's intent.
 * Otherwise it throws (nothing written): the caller's recording failed, and its intent, if still there, is the
 * sweeper's to settle. Writing onto a card resolved or released meanwhile would hide the write for ever.
 */
export function assertWaitingOn(row: PendingActionRow, expected: IntentKind): void {
  if (row.state === "resolving" && row.intent_kind === expected) return;
  throw new CardNotWaitingError(row.id, row.state, row.intent_kind, expected);
}

export class CardNotWaitingError extends Error {
  constructor(id: string, state: string, intent: string | null, expected: IntentKind) {
    super(
      `card ${id} is ${state} (intent ${intent ?? "none"}), no longer waiting on its ${expected}; not recorded`,
    );
    this.name = "CardNotWaitingError";
  }
}
