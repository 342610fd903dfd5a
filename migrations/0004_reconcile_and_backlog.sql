-- Reconciliation staging (design §5 "Reconciliation"): the rows of one walk of `GET /orders/pending`, so an
-- order whose rows span pages is grouped in the database rather than in memory, however long the queue.
-- UNLOGGED: scratch data, rebuilt by the next run; a crash losing it loses nothing.
CREATE UNLOGGED TABLE reconcile_rows (
  slot      text NOT NULL,
  -- `order:<ord_id>`, or `key:<card key>` for a row without order_id (design §3: grouped by its domain).
  group_key text NOT NULL,
  row_id    text NOT NULL,
  -- Position in the walk: a group is rebuilt in Peeker's own order, so it renders exactly as a re-read does.
  seq       integer NOT NULL,
  data      jsonb NOT NULL,
  staged_at timestamptz NOT NULL DEFAULT now(),
  -- A walk restarted from links.first yields rows again: the key makes that a no-op.
  PRIMARY KEY (slot, group_key, row_id)
);
-- Leftovers of a run that died are swept by the next run.
CREATE INDEX reconcile_rows_staged_at ON reconcile_rows (staged_at);

-- Backlog guard (design §5): the sender finds the channels with held cards on every pass.
CREATE INDEX slack_cards_held ON slack_cards (channel) WHERE held;
