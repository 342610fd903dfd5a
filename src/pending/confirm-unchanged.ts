import { lockActionsOfRead, touchActions } from "../db/pending-actions-apply.repository.js";
import type { ApplyContext } from "./apply-snapshot.js";
import type { Snapshot } from "./snapshot.js";
import { changed, inScope } from "./snapshot-rules.js";

/**
 * The batch form of the commonest outcome, for reconciliation's walk: every snapshot whose open actions are all
 * tracked, open and unchanged, and whose scope holds nothing else, is confirmed with one lock and one write
 * (exactly what applySnapshot does for it: touch the rows, count them unchanged). The others come back in
 * `rest`, for applySnapshot one by one. Call it after admitReads, inside the caller's transaction.
 */
export async function confirmUnchanged(
  ctx: ApplyContext,
  snapshots: Snapshot[],
): Promise<{ unchanged: number; rest: Snapshot[] }> {
  const keys = snapshots.flatMap((s) => s.open.map((o) => o.cardKey));
  const scopes = snapshots.flatMap((s) => (s.scope ? [s.scope] : []));
  if (keys.length === 0) return { unchanged: 0, rest: snapshots };
  const rows = await lockActionsOfRead(ctx.trx, keys, scopes);
  const byKey = new Map(rows.map((row) => [row.card_key, row]));
  const confirmed: string[] = [];
  const rest: Snapshot[] = [];
  for (const snapshot of snapshots) {
    const seen = new Set(snapshot.open.map((o) => o.cardKey));
    const same =
      snapshot.open.length > 0 &&
      snapshot.open.every((observed) => {
        const row = byKey.get(observed.cardKey);
        return row !== undefined && row.state === "open" && !changed(row, observed);
      }) &&
      !rows.some((row) => !seen.has(row.card_key) && row.state !== "resolved" && inScope(row, snapshot));
    if (!same) {
      rest.push(snapshot);
      continue;
    }
    for (const observed of snapshot.open) {
      const row = byKey.get(observed.cardKey);
      if (row) confirmed.push(row.id);
    }
  }
  if (confirmed.length > 0) await touchActions(ctx.trx, confirmed, ctx.now);
  return { unchanged: confirmed.length, rest };
}
