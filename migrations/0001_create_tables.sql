-- Every table of design §4. Forward-only: never edit this file once applied; add 0002_… instead.

-- The inbox: each accepted delivery, the dedupe store and the processing queue in one row, so intake is a
-- single INSERT (design §5). Kept >= 4 days so a Peeker retry (24 h) can never be processed twice.
CREATE TABLE webhook_events (
  event_id         text PRIMARY KEY,
  type             text,
  peeker_timestamp timestamptz NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  payload          jsonb NOT NULL,
  processed_at     timestamptz,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  locked_until     timestamptz,
  locked_by        text,
  last_error       text,
  failed_at        timestamptz
);
-- Partial index: the claim query only ever looks at unprocessed rows, so its cost stays flat as the table grows.
CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at)
  WHERE processed_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_events_received_at ON webhook_events (received_at);
CREATE INDEX webhook_events_failed ON webhook_events (failed_at) WHERE failed_at IS NOT NULL;

-- One row per tracked action, keyed by its card key (grouping rules of design §5).
CREATE TABLE pending_actions (
  id                bigserial PRIMARY KEY,
  card_key          text NOT NULL UNIQUE,
  reason            text NOT NULL,
  resource_kind     text NOT NULL,
  resource_id       text NOT NULL,
  order_id          text,
  domain_id         text,
  domain            text,
  import_id         text,
  swap_id           text,
  user_id           text,
  customer_email    text,
  peeker_action_ids text[] NOT NULL DEFAULT '{}',
  message           text,
  details           jsonb NOT NULL DEFAULT '{}'::jsonb,
  state             text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolving', 'resolved')),
  sandbox           boolean NOT NULL DEFAULT false,
  claimed_by        text,
  claimed_at        timestamptz,
  resolving_by      text,
  resolving_since   timestamptz,
  resolving_note    text,
  opened_at         timestamptz NOT NULL,
  last_seen_at      timestamptz NOT NULL,
  last_checked_at   timestamptz NOT NULL,
  resolved_at       timestamptz,
  resolved_by       text,
  resolution        text,
  version           integer NOT NULL DEFAULT 1,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_actions_open ON pending_actions (opened_at) WHERE state <> 'resolved';
CREATE INDEX pending_actions_checked ON pending_actions (last_checked_at) WHERE state <> 'resolved';
CREATE INDEX pending_actions_order ON pending_actions (order_id);
CREATE INDEX pending_actions_import ON pending_actions (import_id);
CREATE INDEX pending_actions_swap ON pending_actions (swap_id);
CREATE INDEX pending_actions_domain ON pending_actions (domain_id);
CREATE INDEX pending_actions_resolved ON pending_actions (resolved_at) WHERE state = 'resolved';

-- The outbox: the desired render of each card. A card needs sending while its desired hash differs from the
-- posted one; `posting` before the call means an unknown outcome is looked up by metadata, never re-posted blind.
CREATE TABLE slack_cards (
  pending_action_id bigint PRIMARY KEY REFERENCES pending_actions (id),
  channel           text NOT NULL,
  desired_text      text NOT NULL,
  desired_blocks    jsonb NOT NULL,
  desired_metadata  jsonb NOT NULL,
  desired_hash      text NOT NULL,
  desired_version   integer NOT NULL DEFAULT 1,
  ts                text,
  posted_hash       text,
  posted_at         timestamptz,
  state             text NOT NULL DEFAULT 'to_post' CHECK (state IN ('to_post', 'posting', 'posted')),
  -- Backlog guard (design §5): a held card is tracked but not posted until the backlog drains below the limit.
  held              boolean NOT NULL DEFAULT false,
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  last_error        text,
  queued_at         timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slack_cards_due ON slack_cards (channel, next_attempt_at)
  WHERE posted_hash IS DISTINCT FROM desired_hash;

-- Per-channel sender lease (one replica sends to a channel at a time) and pacing (Retry-After, ~1 msg/s).
CREATE TABLE slack_channels (
  channel              text PRIMARY KEY,
  locked_until         timestamptz,
  locked_by            text,
  next_send_at         timestamptz NOT NULL DEFAULT now(),
  backlog_summary_ts   text,
  backlog_summary_hash text,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Quiet thread replies under a card (the audit trail in Slack), sent by the channel's sender after the card.
CREATE TABLE thread_lines (
  id                bigserial PRIMARY KEY,
  pending_action_id bigint NOT NULL REFERENCES pending_actions (id),
  channel           text NOT NULL,
  text              text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  state             text NOT NULL DEFAULT 'to_send' CHECK (state IN ('to_send', 'sending', 'sent')),
  ts                text,
  sent_at           timestamptz,
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  last_error        text
);
CREATE INDEX thread_lines_due ON thread_lines (channel, id) WHERE state <> 'sent';

-- Who did what, for /peeker history and the card threads. Details never hold a secret.
CREATE TABLE audit_log (
  id                bigserial PRIMARY KEY,
  at                timestamptz NOT NULL DEFAULT now(),
  actor             text NOT NULL,
  action            text NOT NULL,
  pending_action_id bigint,
  resource_id       text,
  details           jsonb NOT NULL DEFAULT '{}'::jsonb,
  peeker_request_id text
);
CREATE INDEX audit_log_resource ON audit_log (resource_id, at);
CREATE INDEX audit_log_pending_action ON audit_log (pending_action_id, at);

-- Customer → Slack channel where nameserver messages go.
CREATE TABLE customer_channels (
  user_id   text PRIMARY KEY,
  email     text,
  channel   text NOT NULL,
  linked_by text NOT NULL,
  linked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_channels_email ON customer_channels (lower(email));

-- One row per cron slot actually run; the primary key makes a slot run once across replicas.
CREATE TABLE runs (
  job         text NOT NULL,
  slot        text NOT NULL,
  runner      text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  outcome     text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'succeeded', 'failed')),
  counts      jsonb NOT NULL DEFAULT '{}'::jsonb,
  error       text,
  PRIMARY KEY (job, slot)
);
CREATE INDEX runs_job_started ON runs (job, started_at DESC);
