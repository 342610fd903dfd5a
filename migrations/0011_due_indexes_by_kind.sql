-- Two queues in one table (issue #14 item 2): events that name no resource (`event:<id>`, or no key on a row from
-- before 0010) are settled in bulk (src/jobs/inbox-bare-events.ts), the others are claimed by resource
-- (src/db/webhook-events.repository.ts `claimDueResources`). Each reads the oldest due rows of its own kind; with
-- only webhook_events_due, a backlog of one kind made the other's scan step over all of it first (a flood of no-op
-- deliveries held card events back for seconds). Each row enters exactly one of these two indexes.
CREATE INDEX webhook_events_due_bare ON webhook_events (next_attempt_at)
  WHERE processed_at IS NULL AND failed_at IS NULL AND (resource_key IS NULL OR resource_key LIKE 'event:%');
CREATE INDEX webhook_events_due_resources ON webhook_events (next_attempt_at)
  WHERE processed_at IS NULL AND failed_at IS NULL AND resource_key NOT LIKE 'event:%';
