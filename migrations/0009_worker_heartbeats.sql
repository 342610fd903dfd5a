-- Worker heartbeats (design §6, review item 4): every bot process refreshes its row on the intent-sweep timer.
-- An intent whose owner's heartbeat is older than twice that period is abandoned, whatever host or pid it ran
-- on (a restarted Kubernetes pod has a new hostname; two containers may both be pid 1).
CREATE TABLE worker_heartbeats (
  owner     text PRIMARY KEY,
  last_seen timestamptz NOT NULL
);

-- A customer message Slack refused for good (not_in_channel, channel_not_found…) ends `failed`, with a thread
-- line on its card saying why, instead of being retried for ever.
ALTER TABLE customer_messages DROP CONSTRAINT customer_messages_state_check;
ALTER TABLE customer_messages
  ADD CONSTRAINT customer_messages_state_check CHECK (state IN ('to_send', 'sending', 'sent', 'failed'));
