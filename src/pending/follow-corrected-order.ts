import type { Kysely } from "kysely";
import {
  findFollowersOfOrder,
  lockPendingAction,
  updatePendingAction,
} from "../db/pending-actions.repository.js";
import type { Database } from "../db/schema.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { PeekerClient } from "../peeker/client.js";
import type { CardPublisher } from "./apply-snapshot.js";
import { publishChange } from "./resolution.js";
import { slackDetailsOf, withNote } from "./slack-details.js";

/**
 * The card after its corrected order was placed (design §3 "Reorder and cancellation"): it follows that order
 * until it ends. Its own file because it is a different step from placing: it runs on every re-read of the new
 * order (src/pending/queued-reorders.ts `afterOrderReread`) and in reconciliation's safety net, for orders placed
 * by the submit as well as by the queue.
 */

/** What following needs (src/pending/queued-reorders.ts passes its `QueuedReorderDeps`). */
export interface FollowCorrectedOrderDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "getOrder">;
  publisher: CardPublisher;
  now: () => Date;
  wakeSender?: () => void;
}

/**
 * The card follows the corrected order it placed: resolved when that order completes, open again (with why)
 * when it fails or is cancelled. Other statuses leave it `resolving`.
 */
export async function followCorrectedOrder(
  deps: FollowCorrectedOrderDeps,
  orderId: string,
  status?: string,
): Promise<number> {
  const rows = await findFollowersOfOrder(deps.db, orderId);
  if (rows.length === 0) return 0;
  let requestId: string | undefined;
  let current = status;
  if (current === undefined) {
    const order = await deps.peeker.getOrder(orderId);
    current = order.data.status;
    requestId = order.requestId;
  }
  if (current !== "completed" && current !== "failed" && current !== "cancelled") return 0;
  const now = deps.now();
  let changed = 0;
  await deps.db.transaction().execute(async (trx) => {
    for (const candidate of rows) {
      const row = await lockPendingAction(trx, candidate.id);
      if (!row) continue;
      if (row.state !== "resolving" || slackDetailsOf(row.details).newOrderId !== orderId) continue;
      changed++;
      if (current === "completed") {
        const how = `Corrected order ${orderId} completed`;
        const resolved = await updatePendingAction(trx, row.id, {
          state: "resolved",
          resolved_at: now,
          resolved_by: "system",
          resolution: how,
          resolving_by: null,
          resolving_since: null,
          resolving_note: null,
        });
        await publishChange(
          trx,
          deps,
          resolved,
          { kind: "resolved", source: "peeker", how },
          "action.resolved",
          "system",
          { resolution: how, new_order_id: orderId },
          requestId,
        );
      } else {
        const why = `Corrected order ${orderId} ${current}`;
        const reopened = await updatePendingAction(trx, row.id, {
          state: "open",
          resolving_by: null,
          resolving_since: null,
          resolving_note: null,
          details: withNote(row.details, escapeMrkdwn(why)),
        });
        await publishChange(
          trx,
          deps,
          reopened,
          { kind: "reopened", why },
          "action.reopened",
          "system",
          { why },
          requestId,
        );
      }
    }
  });
  if (changed > 0) deps.wakeSender?.();
  return changed;
}
