-- Adaptive pacing per channel: cards go out at once until Slack answers 429; from then until `paced_until`
-- (5 minutes after the last 429) the sender keeps to one message per second in that channel.
ALTER TABLE slack_channels ADD COLUMN paced_until timestamptz;
