-- Per-resource re-read ordering without a transaction held across Peeker (issue #10, design §5).
-- One row per resource key (`order:<id>`, `domain_import:<id>`, `domain:<id>`, `swap:<id>`, `card:<key>`).
--
-- Every re-read takes a number from resource_read_seq before its first Peeker call (read_seq): a later number
-- is a read that began later, on whichever replica. The short apply transaction locks the resource's row and
-- applies a snapshot only if its number is above applied_read_seq (the newest read applied so far), so an
-- older snapshot never overwrites a newer one, whoever holds the lease and however long Peeker took.
--
-- The lease (leased_by, lease_token = the holder's read number, leased_until) says one worker is re-reading
-- the resource now, so another event worker leaves it and retries soon instead of reading Peeker twice. It is
-- taken and given back in single statements; a process that dies holding it loses it at leased_until.
CREATE SEQUENCE resource_read_seq;

CREATE TABLE resource_reads (
  resource_key     text PRIMARY KEY,
  leased_by        text,
  lease_token      bigint,
  leased_until     timestamptz,
  -- The latest read begun (number and database time): what issue #14 compares an event's arrival with.
  read_seq         bigint,
  read_started_at  timestamptz,
  applied_read_seq bigint,
  applied_at       timestamptz
);
