-- Coalesced re-reads (issue #14, design §5 "Processing"): events are hints, so every unprocessed event of one
-- resource is satisfied by one re-read that began after the newest of them was stored.
--
-- webhook_events.resource_key is the resource the event names (`order:<id>`, `domain:<id>`, …; `event:<id>` for
-- an event that names none), written by the intake from the body it already parsed, so the processor can claim
-- a resource with all of its waiting events at once. Rows from before this migration that still wait get their
-- own `event:` key: each is processed alone, as before.
ALTER TABLE webhook_events ADD COLUMN resource_key text;
UPDATE webhook_events SET resource_key = 'event:' || event_id WHERE processed_at IS NULL AND resource_key IS NULL;
CREATE INDEX webhook_events_waiting_by_resource ON webhook_events (resource_key)
  WHERE processed_at IS NULL AND failed_at IS NULL;

-- When the newest applied read of a resource began (database time): an event stored before that instant is
-- already answered by what was applied, and is marked processed without a Peeker call of its own.
ALTER TABLE resource_reads ADD COLUMN applied_read_started_at timestamptz;
