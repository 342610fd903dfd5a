import type { Kysely } from "kysely";
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
