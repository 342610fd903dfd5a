import { type Kysely, sql } from "kysely";
import type { Database, PendingActionRow } from "../../src/db/schema.js";

let seq = 0;

/** A minimal card row for integration tests on a real database; `overrides` set any column. */
export function insertPendingRow(
  db: Kysely<Database>,
  overrides: Partial<Record<string, unknown>> = {},
): Promise<PendingActionRow> {
  seq++;
  const now = new Date();
  const id = `ord_row_${process.pid}_${seq}_${Math.random().toString(36).slice(2, 8)}`;
  return db
    .insertInto("pending_actions")
    .values({
      card_key: `profile_picture_not_accessible:${id}`,
      reason: "profile_picture_not_accessible",
      resource_kind: "order",
      resource_id: id,
      order_id: id,
      domain_id: null,
      domain: null,
      import_id: null,
      swap_id: null,
      user_id: "usr_1",
      customer_email: null,
      message: null,
      details: JSON.stringify({ personas: [] }),
      opened_at: now,
      last_seen_at: now,
      last_checked_at: now,
      claimed_by: null,
      claimed_at: null,
      resolving_by: null,
      resolving_since: null,
      resolving_note: null,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      ...overrides,
    } as never)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A card `resolving` with a write in flight owned by `owner`, whose heartbeat (migrations/0009) is `heartbeatAge`
 * old (a Postgres interval; negative = in the future, i.e. alive for the whole test). No heartbeat when undefined.
 */
export async function insertIntentRow(
  db: Kysely<Database>,
  input: {
    owner: string;
    heartbeatAge?: string;
    kind?: string;
    payload?: Record<string, unknown>;
  },
): Promise<PendingActionRow> {
  if (input.heartbeatAge !== undefined) {
    await sql`INSERT INTO worker_heartbeats (owner, last_seen) VALUES (${input.owner}, now() - ${input.heartbeatAge}::interval)
      ON CONFLICT (owner) DO UPDATE SET last_seen = EXCLUDED.last_seen`.execute(db);
  }
  return insertPendingRow(db, {
    state: "resolving",
    resolving_by: "U0OPERATOR",
    resolving_since: new Date(),
    resolving_note: "Working on it",
    intent_kind: input.kind ?? "lock",
    intent_payload: input.payload ? JSON.stringify(input.payload) : null,
    intent_owner: input.owner,
    intent_at: new Date(),
  });
}
