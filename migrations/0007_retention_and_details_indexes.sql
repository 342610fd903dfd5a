-- Retention (RETENTION_DAYS) and the JSONB look-ups on the hot paths. Forward-only: never edit once applied.
-- Plain CREATE INDEX (a migration is one transaction, so not CONCURRENTLY): on a large table it blocks writes
-- while it builds; the README ("Upgrades") says to apply it with `npm run migrate` in a quiet moment.

-- Queued reorders and corrected orders are looked up among `resolving` rows (`details ? 'queuedReorder'`,
-- `details ? 'newOrderId'`): few rows, so a partial index on the state keeps those scans small whatever the
-- number of resolved rows.
CREATE INDEX IF NOT EXISTS pending_actions_resolving ON pending_actions (id) WHERE state = 'resolving';
-- A cancelled original order finds the reorder queued behind it (`details->'queuedReorder'->>'originalOrderId'`).
CREATE INDEX IF NOT EXISTS pending_actions_queued_reorder_original
  ON pending_actions ((details -> 'queuedReorder' ->> 'originalOrderId'))
  WHERE details ? 'queuedReorder';
-- A corrected order's webhook finds the cards following it (`state = 'resolving' AND details->>'newOrderId' = …`).
-- Partial, so the many re-reads that rewrite `details` of open and resolved rows add no entry here.
CREATE INDEX IF NOT EXISTS pending_actions_new_order_id ON pending_actions ((details ->> 'newOrderId'))
  WHERE state = 'resolving';

-- Retention deletes by age in small batches.
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS thread_lines_sent_at ON thread_lines ((coalesce(sent_at, created_at)))
  WHERE state = 'sent';
