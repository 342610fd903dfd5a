import type { Kysely } from "kysely";
import { appendAudit } from "../db/audit-log.repository.js";
import { heartbeatsOf } from "../db/heartbeats.repository.js";
import { BACK_TO_OPEN, clearIntent, intentCandidates } from "../db/intents.repository.js";
import { lockPendingAction, updatePendingAction } from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import type { Logger } from "../logger.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { PeekerClient } from "../peeker/client.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import { FOREIGN_INTENT_STALE_MS, isAbandoned } from "./intents.js";
import {
  acceptPlaced,
  acceptQueued,
  cancellationAccepted,
  lookUpCorrectedOrder,
  recordQueuedPlaced,
} from "./reorder-outcomes.js";
import { publishChange } from "./resolution.js";
import { type QueuedReorder, type ReorderBody, slackDetailsOf, withNote } from "./slack-details.js";
import { lookUpSwap, recordSwapCreated } from "./swap-outcomes.js";

/**
 * The intent sweeper (design §6): for every card whose write is in flight but whose process died or gave up
 * (src/pending/intents.ts `isAbandoned`), look the outcome up in Peeker — the swap by its domain
 * (`GET /swaps?domain_id=`), the cancellation by the original order (`GET /orders/{id}`), the corrected order by
 * the customer's newest orders and the body's domains and pictures — then record what Peeker did, or release the
 * card with a thread line saying nothing was done. Never a write to Peeker. Run on its own short timer on every
 * replica (src/jobs/intent-sweep-timer.ts, INTENT_SWEEP_SECONDS), at start-up and after every reconcile, so no card
 * stays `resolving` longer than a few sweep periods after its process stopped, even when reconcile walks fail.
 */

export interface IntentSweeperDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "listSwaps" | "listOrders" | "getOrder">;
  publisher: CardPublisher;
  now: () => Date;
  wakeSender: () => void;
  logger?: Logger;
  /** A foreign owner whose heartbeat is older than this is gone (twice the sweep period; default 60 s). */
  heartbeatStaleMs?: number;
}

export const DEFAULT_HEARTBEAT_STALE_MS = 60_000;

export interface SweepCounts {
  /** Peeker had done the write: the card now shows it. */
  completed: number;
  /** Nothing was done in Peeker: the card is open again. */
  released: number;
}

const AFTER_STOP = " (found in Peeker after the submit stopped)";

/** `signal` (shutdown): stops between rows, so a stopping process never starts settling a card. */
export async function sweepIntents(deps: IntentSweeperDeps, signal?: AbortSignal): Promise<SweepCounts> {
  const counts: SweepCounts = { completed: 0, released: 0 };
  const now = deps.now();
  const rows = await intentCandidates(deps.db, new Date(now.getTime() - FOREIGN_INTENT_STALE_MS));
  const owners = [...new Set(rows.map((r) => r.intent_owner).filter((o): o is string => Boolean(o)))];
  const heartbeats = await heartbeatsOf(deps.db, owners, deps.heartbeatStaleMs ?? DEFAULT_HEARTBEAT_STALE_MS);
  for (const row of rows) {
    if (signal?.aborted) break;
    if (!isAbandoned(row, now, heartbeats)) continue;
    const run = await withPeekerCallLog(() => settle(deps, row));
    await appendAudit(deps.db, callAuditEntries(run.calls, { actor: "system", pendingActionId: row.id }));
    if (run.threw) {
      // Peeker unreachable, say: the intent stays, the next sweep looks again.
      deps.logger?.warn(
        { pendingActionId: row.id, intent: row.intent_kind, err: { message: (run.error as Error)?.message } },
        "could not settle an abandoned intent yet",
      );
      continue;
    }
    if (run.value === "completed") counts.completed++;
    if (run.value === "released") counts.released++;
  }
  if (counts.completed + counts.released > 0) deps.wakeSender();
  return counts;
}

async function settle(
  deps: IntentSweeperDeps,
  row: PendingActionRow,
): Promise<"completed" | "released" | "cleared"> {
  if (row.state !== "resolving") {
    // A re-read already moved the card on; the intent is only a leftover.
    await clearIntent(deps.db, row);
    return "cleared";
  }
  const actor = row.resolving_by ?? "system";
  const payload = (row.intent_payload ?? {}) as Record<string, unknown>;
  switch (row.intent_kind) {
    case "swap_create": {
      const domainId = String(payload.domain_id ?? row.domain_id ?? "");
      const replacement = String(payload.replacement ?? "");
      const found = await lookUpSwap(deps.peeker, domainId, replacement);
      if (!found) return release(deps, row, `No swap to ${replacement} was created in Peeker`);
      await recordSwapCreated(deps, row.id, actor, {
        swap: found.swap,
        replacement,
        type: String(payload.type ?? found.swap.type),
        foundByLookup: true,
        afterStop: true,
      });
      return "completed";
    }
    case "order_create": {
      const body = payload.body as ReorderBody;
      const original = String(payload.original_order_id ?? row.order_id ?? "");
      const found = await lookUpCorrectedOrder(deps.peeker, body, original, row.intent_at ?? deps.now());
      if (!found) return release(deps, row, "The corrected order was not placed in Peeker");
      await acceptPlaced(deps, actor, row.id, found.id, found.requestId, AFTER_STOP);
      return "completed";
    }
    case "order_cancel": {
      const queued = payload.queued as QueuedReorder;
      const accepted = await cancellationAccepted(deps.peeker, queued.originalOrderId);
      if (!accepted) return release(deps, row, `${queued.originalOrderId} was not cancelled in Peeker`);
      await acceptQueued(deps, actor, row.id, queued, accepted.requestId, AFTER_STOP);
      return "completed";
    }
    case "queued_order_create": {
      const queued = slackDetailsOf(row.details).queuedReorder;
      if (!queued) {
        await clearIntent(deps.db, row);
        return "cleared";
      }
      const found = await lookUpCorrectedOrder(
        deps.peeker,
        queued.body,
        queued.originalOrderId,
        row.intent_at ?? deps.now(),
      );
      // Not placed: it stays queued (no intent), and the next pass of the queued reorders places it.
      if (!found) {
        await clearIntent(deps.db, row);
        return "cleared";
      }
      await recordQueuedPlaced(deps, row.id, queued, found, "system");
      return "completed";
    }
    default:
      // `lock` (or none): the submit stopped before any write; nothing was sent to Peeker or the customer.
      return release(deps, row, "The submit stopped before anything was sent");
  }
}

/** Back to `open` with a thread line saying what happened, only if the row did not move since it was read. */
async function release(
  deps: IntentSweeperDeps,
  row: PendingActionRow,
  what: string,
): Promise<"released" | "cleared"> {
  const why = `${what}; the card is open again`;
  const done = await deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, row.id);
    if (!current || current.version !== row.version) return false;
    const reopened = await updatePendingAction(trx, row.id, {
      ...BACK_TO_OPEN,
      details: withNote(current.details, escapeMrkdwn(why)),
    });
    await publishChange(
      trx,
      deps,
      reopened,
      { kind: "reopened", why },
      "action.released_after_stop",
      "system",
      {
        intent: row.intent_kind,
        locked_by: row.resolving_by,
      },
    );
    return true;
  });
  return done ? "released" : "cleared";
}
