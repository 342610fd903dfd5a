import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** Kysely types for migrations/0001_create_tables.sql. Keep the two in step. */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type DefaultedJson<T = unknown> = ColumnType<T, string | T | undefined, string | T>;

export interface WebhookEventsTable {
  event_id: string;
  type: string | null;
  peeker_timestamp: Timestamp;
  received_at: DefaultedTimestamp;
  payload: Json<Record<string, unknown>>;
  processed_at: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  locked_until: Timestamp | null;
  locked_by: string | null;
  last_error: string | null;
  failed_at: Timestamp | null;
  /** migrations/0010: the resource the event names (`event:<id>` when none); null only on rows processed before. */
  resource_key: string | null;
}

export type PendingState = "open" | "resolving" | "resolved";

export interface PendingActionsTable {
  id: Generated<string>;
  card_key: string;
  reason: string;
  resource_kind: string;
  resource_id: string;
  order_id: string | null;
  domain_id: string | null;
  domain: string | null;
  import_id: string | null;
  swap_id: string | null;
  user_id: string | null;
  customer_email: string | null;
  peeker_action_ids: ColumnType<string[], string[] | undefined, string[]>;
  message: string | null;
  details: Json<Record<string, unknown>>;
  state: ColumnType<PendingState, PendingState | undefined, PendingState>;
  sandbox: Generated<boolean>;
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  resolving_by: string | null;
  resolving_since: Timestamp | null;
  resolving_note: string | null;
  opened_at: Timestamp;
  last_seen_at: Timestamp;
  last_checked_at: Timestamp;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  resolution: string | null;
  version: Generated<number>;
  updated_at: DefaultedTimestamp;
  /** Start of the last SLA period this action was nudged for (migrations/0003_sla_nudges.sql). */
  sla_nudged_for: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The write in flight for this card (migrations/0006_intents_and_customer_outbox.sql); null = none. */
  intent_kind: ColumnType<string | null, string | null | undefined, string | null>;
  intent_payload: ColumnType<
    Record<string, unknown> | null,
    string | Record<string, unknown> | null | undefined,
    string | Record<string, unknown> | null
  >;
  intent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  intent_owner: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A message to a customer's channel, sent after commit by the Slack sender (migration 0006). */
/** `failed`: Slack refused it for good (migrations/0009_worker_heartbeats.sql); never retried. */
export type CustomerMessageState = "to_send" | "sending" | "sent" | "failed";

export interface CustomerMessagesTable {
  id: Generated<string>;
  pending_action_id: string;
  channel: string;
  text: string;
  requested_by: string;
  created_at: DefaultedTimestamp;
  state: ColumnType<CustomerMessageState, CustomerMessageState | undefined, CustomerMessageState>;
  attempt_at: Timestamp | null;
  ts: string | null;
  sent_at: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
}

export type CardState = "to_post" | "posting" | "posted";

export interface SlackCardsTable {
  pending_action_id: string;
  channel: string;
  desired_text: string;
  desired_blocks: Json<unknown[]>;
  desired_metadata: Json<Record<string, unknown>>;
  desired_hash: string;
  desired_version: Generated<number>;
  ts: string | null;
  posted_hash: string | null;
  posted_at: Timestamp | null;
  state: ColumnType<CardState, CardState | undefined, CardState>;
  held: Generated<boolean>;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
  queued_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  /** When the current series of post attempts began (migration 0008); null when not posting. */
  post_attempted_at: Timestamp | null;
}

export interface SlackChannelsTable {
  channel: string;
  locked_until: Timestamp | null;
  locked_by: string | null;
  next_send_at: DefaultedTimestamp;
  backlog_summary_ts: string | null;
  backlog_summary_hash: string | null;
  paced_until: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

export interface ThreadLinesTable {
  id: Generated<string>;
  pending_action_id: string;
  channel: string;
  text: string;
  created_at: DefaultedTimestamp;
  state: ColumnType<"to_send" | "sending" | "sent", "to_send" | undefined, "to_send" | "sending" | "sent">;
  ts: string | null;
  sent_at: Timestamp | null;
  attempts: Generated<number>;
  next_attempt_at: DefaultedTimestamp;
  last_error: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  actor: string;
  action: string;
  pending_action_id: string | null;
  resource_id: string | null;
  details: DefaultedJson<Record<string, unknown>>;
  peeker_request_id: string | null;
}

export interface CustomerChannelsTable {
  user_id: string;
  email: string | null;
  channel: string;
  linked_by: string;
  linked_at: DefaultedTimestamp;
}

export interface RunsTable {
  job: string;
  slot: string;
  runner: string;
  started_at: DefaultedTimestamp;
  finished_at: Timestamp | null;
  outcome: ColumnType<"running" | "succeeded" | "failed", "running" | undefined, "succeeded" | "failed">;
  counts: DefaultedJson<Record<string, number>>;
  error: string | null;
}

/** migrations/0004_reconcile_and_backlog.sql: one reconcile walk's `GET /orders/pending` rows, grouped in SQL. */
export interface ReconcileRowsTable {
  slot: string;
  group_key: string;
  row_id: string;
  seq: number;
  data: Json<Record<string, unknown>>;
  staged_at: DefaultedTimestamp;
}

/** migrations/0005_resource_reads.sql: per-resource re-read lease and ordering (src/pending/resource-lease.ts). */
export interface ResourceReadsTable {
  resource_key: string;
  leased_by: string | null;
  /** bigint: pg returns it as a string. */
  lease_token: string | null;
  leased_until: Timestamp | null;
  read_seq: string | null;
  read_started_at: Timestamp | null;
  applied_read_seq: string | null;
  applied_at: Timestamp | null;
  /** migrations/0010: when the newest applied read began (database time). */
  applied_read_started_at: Timestamp | null;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: DefaultedTimestamp;
}

export interface Database {
  webhook_events: WebhookEventsTable;
  pending_actions: PendingActionsTable;
  slack_cards: SlackCardsTable;
  slack_channels: SlackChannelsTable;
  thread_lines: ThreadLinesTable;
  audit_log: AuditLogTable;
  customer_channels: CustomerChannelsTable;
  runs: RunsTable;
  reconcile_rows: ReconcileRowsTable;
  resource_reads: ResourceReadsTable;
  customer_messages: CustomerMessagesTable;
  worker_heartbeats: WorkerHeartbeatsTable;
  schema_migrations: SchemaMigrationsTable;
}

/** migrations/0009_worker_heartbeats.sql: one row per bot process, refreshed on the intent-sweep timer. */
export interface WorkerHeartbeatsTable {
  owner: string;
  last_seen: Timestamp;
}

export type PendingActionRow = Selectable<PendingActionsTable>;
export type NewPendingAction = Insertable<PendingActionsTable>;
export type PendingActionUpdate = Updateable<PendingActionsTable>;
export type SlackCardRow = Selectable<SlackCardsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type RunRow = Selectable<RunsTable>;
