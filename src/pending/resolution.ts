import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../clock.js";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import { recordIntentRow } from "../db/intents.repository.js";
import {
  claimPendingAction,
  findPendingAction,
  lockForResolution,
  releaseResolution,
} from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { PeekerClient } from "../peeker/client.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import type { CardChange } from "./changes.js";
import { INTENT_OWNER, whileInFlight } from "./intents.js";
import type { Refusal, ResolveOutcome } from "./outcomes.js";
import type { OperatorCheck } from "./permissions.js";
import { recheck } from "./refresh-from-peeker.js";
import type { PeekerReader } from "./reread.js";

// The re-check lives with the other Peeker re-reads (src/pending/refresh-from-peeker.ts); re-exported so the
// resolution flows keep importing it from here.
export { recheck };

/**
 * What every resolution flow shares (design §3 "Locks and pauses", §7): who may act, the claim rules, the
 * `open` → `resolving` lock, the re-check of Peeker before acting, and the audit of every step.
 *
 * A flow is: gate (operator, state, claim) → lock (optimistic, from submit on) → re-check Peeker → at most one
 * Peeker write → accept (stays `resolving`) or release (back to `open`). None of it imports Bolt.
 */

export type ResolverPeeker = Pick<
  PeekerClient,
  | "listPendingActions"
  | "getOrder"
  | "getImport"
  | "findImportsByDomains"
  | "getDomain"
  | "getSwap"
  | "checkAvailability"
  | "createSwap"
  | "listSwaps"
  | "createOrder"
  | "listOrders"
  | "cancelOrder"
  | "getUser"
>;

export interface ResolveDeps {
  db: Kysely<Database>;
  peeker: ResolverPeeker;
  publisher: CardPublisher;
  clock: Clock;
  sandbox: boolean;
  /** Wakes the Slack sender after a card change committed. */
  wakeSender: () => void;
  isOperator: OperatorCheck;
}

/** Who pressed what. */
export interface Actor {
  userId: string;
  pendingActionId: string;
}

export const INTERACTIVE = { interactive: true } as const;

/**
 * Peeker reads for a person who is waiting: served first, 2.5 s deadline, no retry (design §5) — and memoised for
 * the flow, so the re-check's `GET /orders/{id}` is the same answer the reorder body is built from.
 */
export function flowReader(peeker: ResolverPeeker): PeekerReader {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    let hit = memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      memo.set(key, hit);
      hit.catch(() => memo.delete(key));
    }
    return hit;
  };
  return {
    listPendingActions: (filters) => peeker.listPendingActions(filters, INTERACTIVE),
    getOrder: (id) => once(`order:${id}`, () => peeker.getOrder(id, INTERACTIVE)),
    getImport: (id) => once(`import:${id}`, () => peeker.getImport(id, INTERACTIVE)),
    findImportsByDomains: (domains) => peeker.findImportsByDomains(domains, INTERACTIVE),
    getDomain: (id) => once(`domain:${id}`, () => peeker.getDomain(id, INTERACTIVE)),
    getSwap: (id) => once(`swap:${id}`, () => peeker.getSwap(id, INTERACTIVE)),
  };
}

/**
 * Runs one flow for a person: collects the Peeker calls it makes and writes them to the audit log with the
 * actor and their request ids, together with one row saying what the person did and how it ended.
 */
export async function audited<T>(
  deps: Pick<ResolveDeps, "db">,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
  work: () => Promise<ResolveOutcome<T>>,
): Promise<ResolveOutcome<T>> {
  // From here until the last commit this process works on the card: its own sweeper leaves the card alone.
  const run = await whileInFlight(actor.pendingActionId, () => withPeekerCallLog(work));
  const outcome: ResolveOutcome<T> = run.threw
    ? { kind: "failed", error: run.error, doing: action }
    : (run.value as ResolveOutcome<T>);
  const row = await findPendingAction(deps.db, actor.pendingActionId).catch(() => undefined);
  const context = {
    actor: actor.userId,
    pendingActionId: row?.id ?? null,
    resourceId: row?.resource_id ?? null,
  };
  const entries: AuditEntry[] = [
    {
      ...context,
      action,
      details: { ...details, outcome: describeOutcome(outcome) },
      peekerRequestId: requestIdOf(outcome) ?? run.calls.at(-1)?.requestId ?? null,
    },
    ...callAuditEntries(run.calls, context),
  ];
  if (outcome.kind === "refused" && outcome.refusal.kind === "not_operator") {
    // Its own row, so a refusal is easy to find (design §7: refused ephemerally and audited).
    entries.push({ ...context, action: "permission.refused", details: { attempted: action } });
  }
  // The database may be the reason the flow failed: the person still gets the outcome, the rows are best effort.
  await appendAudit(deps.db, entries).catch(() => undefined);
  return outcome;
}

function describeOutcome(outcome: ResolveOutcome<unknown>): Record<string, unknown> {
  switch (outcome.kind) {
    case "done":
      return { kind: "done" };
    case "refused":
      return { kind: "refused", refusal: outcome.refusal.kind };
    case "invalid":
      return {
        kind: "invalid",
        problems: outcome.problems.map((p) => ({
          field: p.field,
          problem: p.problem.kind,
          ...(p.problem.kind === "peeker" ? { code: p.problem.error.code } : {}),
        })),
      };
    case "failed":
      return { kind: "failed", doing: outcome.doing, error: errorCode(outcome.error) };
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) return String((error as { code: unknown }).code);
  return error instanceof Error ? error.name : "unknown";
}

function requestIdOf(outcome: ResolveOutcome<unknown>): string | undefined {
  if (outcome.kind === "failed") return (outcome.error as { requestId?: string })?.requestId;
  if (outcome.kind === "invalid") {
    for (const p of outcome.problems) if (p.problem.kind === "peeker") return p.problem.error.requestId;
  }
  return undefined;
}

/** Audits a refused click or submit and returns the refusal. */
export function refusalOf(row: PendingActionRow | undefined, userId: string): Refusal | undefined {
  if (!row) return { kind: "not_found" };
  if (row.state === "resolved") return { kind: "resolved", how: row.resolution ?? undefined };
  if (row.state === "resolving") {
    return { kind: "resolving", by: row.resolving_by ?? "someone", note: row.resolving_note ?? undefined };
  }
  if (row.claimed_by && row.claimed_by !== userId) return { kind: "claimed", by: row.claimed_by };
  return undefined;
}

/**
 * The checks before a resolving button or submit does anything: operator, the row exists and is open, not
 * claimed by someone else. With `claim`, an unclaimed card is claimed for the presser (race-safe: two people
 * pressing at once get one claimer, and the other is told who).
 */
export async function gate(
  deps: ResolveDeps,
  actor: Actor,
  options: { claim: boolean; reason?: string },
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  if (!(await deps.isOperator(actor.userId))) return { refusal: { kind: "not_operator" } };
  const row = await findPendingAction(deps.db, actor.pendingActionId);
  const refusal = refusalOf(row, actor.userId);
  if (refusal || !row) return { refusal: refusal ?? { kind: "not_found" } };
  if (options.reason && row.reason !== options.reason) {
    return { refusal: { kind: "wrong_reason", reason: row.reason } };
  }
  if (!options.claim || row.claimed_by === actor.userId) return { row };
  const claimed = await claimCard(deps, actor);
  if ("refusal" in claimed) return claimed;
  return { row: claimed.row };
}

/** Claims for `actor`; the card and thread say so. Refused with who has it when someone was first. */
export async function claimCard(
  deps: ResolveDeps,
  actor: Actor,
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  const claimed = await deps.db.transaction().execute(async (trx) => {
    const row = await claimPendingAction(trx, {
      id: actor.pendingActionId,
      userId: actor.userId,
      now: deps.clock.now(),
    });
    if (!row) return undefined;
    await publishChange(
      trx,
      deps,
      row,
      { kind: "claimed", by: actor.userId },
      "action.claimed",
      actor.userId,
    );
    return row;
  });
  if (claimed) {
    deps.wakeSender();
    return { row: claimed };
  }
  const now = await findPendingAction(deps.db, actor.pendingActionId);
  if (now?.claimed_by === actor.userId) return { row: now };
  return { refusal: refusalOf(now, actor.userId) ?? { kind: "not_found" } };
}

/** Publishes the card, queues its thread line and audits the change, in the caller's transaction. */
export async function publishChange(
  trx: Transaction<Database>,
  deps: Pick<ResolveDeps, "publisher">,
  row: PendingActionRow,
  change: CardChange | undefined,
  auditAction: string,
  actor: string,
  details: Record<string, unknown> = {},
  peekerRequestId?: string | null,
): Promise<void> {
  await deps.publisher.publish(trx, row);
  if (change) await deps.publisher.threadLine(trx, row, change);
  await appendAudit(trx, [
    {
      actor,
      action: auditAction,
      pendingActionId: row.id,
      resourceId: row.resource_id,
      details: { card_key: row.card_key, state: row.state, ...details },
      peekerRequestId: peekerRequestId ?? null,
    },
  ]);
}

/** `open` → `resolving` from submit on; refused with who holds it when someone else was first. */
export async function lock(
  deps: ResolveDeps,
  actor: Actor,
  row: PendingActionRow,
  note: string,
): Promise<{ row: PendingActionRow } | { refusal: Refusal }> {
  const locked = await deps.db.transaction().execute(async (trx) => {
    const updated = await lockForResolution(trx, {
      id: row.id,
      version: row.version,
      userId: actor.userId,
      now: deps.clock.now(),
      note,
    });
    if (!updated) return undefined;
    // The lock is the first intent: a process that dies before any Peeker write leaves it for the sweeper.
    const held = await recordIntentRow(trx, {
      id: updated.id,
      userId: actor.userId,
      kind: "lock",
      payload: { note },
      owner: INTENT_OWNER,
      now: deps.clock.now(),
    });
    await publishChange(trx, deps, held ?? updated, undefined, "action.locked", actor.userId, { note });
    return held ?? updated;
  });
  if (locked) {
    deps.wakeSender();
    return { row: locked };
  }
  const now = await findPendingAction(deps.db, row.id);
  return { refusal: refusalOf(now, actor.userId) ?? { kind: "resolving", by: "someone" } };
}

/** Back to `open` (Peeker refused, or the input was wrong); a no-op if the lock is no longer ours. */
export async function release(deps: ResolveDeps, actor: Actor, why: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await releaseResolution(trx, { id: actor.pendingActionId, userId: actor.userId });
    if (row) await publishChange(trx, deps, row, undefined, "action.released", actor.userId, { why });
  });
  deps.wakeSender();
}

/**
 * How every resolving button starts: the gate (claiming an unclaimed card), then `beforePeeker` (the listener
 * opens its loading view there), then a re-check with Peeker; an action gone upstream is refused.
 */
export async function openResolution(
  deps: ResolveDeps,
  actor: Actor,
  reason: string,
  hooks: { beforePeeker: () => Promise<void> },
): Promise<{ row: PendingActionRow; reader: PeekerReader } | { refusal: Refusal }> {
  const gated = await gate(deps, actor, { claim: true, reason });
  if ("refusal" in gated) return gated;
  await hooks.beforePeeker();
  const reader = flowReader(deps.peeker);
  const row = await recheck(deps, reader, gated.row, `slack:${actor.userId}:open`);
  const gone = goneUpstream(row);
  return gone ? { refusal: gone } : { row, reader };
}

/** After a re-check: a resolved row means Peeker no longer lists the action, so nothing must be written. */
export function goneUpstream(row: PendingActionRow): Refusal | undefined {
  return row.state === "resolved"
    ? { kind: "no_longer_pending", how: row.resolution ?? undefined }
    : undefined;
}
