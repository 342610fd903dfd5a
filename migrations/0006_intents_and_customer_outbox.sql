-- Every Peeker write made from a card is an intent first (design §6): before the call the row says what is being
-- done, since when and by which process, so a sweeper can look the outcome up in Peeker after a crash or an
-- unknown answer, then complete the record or release the card. NULL intent_kind = nothing in flight.
ALTER TABLE pending_actions
  -- `lock` (locked, no write sent yet), `swap_create`, `order_create`, `order_cancel`, `queued_order_create`,
  -- `customer_message` (the nameservers submit, before its outbox commit).
  ADD COLUMN intent_kind    text,
  -- What is being sent, minus every secret (never the sequencer login): enough to look the outcome up.
  ADD COLUMN intent_payload jsonb,
  ADD COLUMN intent_at      timestamptz,
  -- `<hostname>:<pid>:<random>` of the process that recorded it (the same form as lease holders).
  ADD COLUMN intent_owner   text;
CREATE INDEX pending_actions_intent ON pending_actions (intent_at) WHERE intent_kind IS NOT NULL;

-- Messages to customers (design §6 "at most once per submit"): written in the same commit as the card's
-- "Customer notified", sent after commit by the Slack sender. `sending` before the call: an unknown outcome is
-- looked up by metadata in the channel, never posted blind.
CREATE TABLE customer_messages (
  id                bigserial PRIMARY KEY,
  pending_action_id bigint NOT NULL REFERENCES pending_actions (id),
  channel           text NOT NULL,
  text              text NOT NULL,
  requested_by      text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  state             text NOT NULL DEFAULT 'to_send' CHECK (state IN ('to_send', 'sending', 'sent')),
  attempt_at        timestamptz,
  ts                text,
  sent_at           timestamptz,
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  last_error        text
);
CREATE INDEX customer_messages_due ON customer_messages (next_attempt_at) WHERE state <> 'sent';
