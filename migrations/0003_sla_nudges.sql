-- SLA nudges (design §3 "Nudges"): the start of the last SLA period an open action was nudged for. A period is
-- `opened_at + k × SLA` (k ≥ 1); a nudge is due when the current period starts after this one, so each period is
-- nudged once, across replicas and restarts. A column rather than `details`, which every re-read rewrites.
ALTER TABLE pending_actions ADD COLUMN sla_nudged_for timestamptz;
