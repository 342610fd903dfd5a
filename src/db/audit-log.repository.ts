import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

export interface AuditEntry {
  /** A Slack user id, or `system`. */
  actor: string;
  action: string;
  pendingActionId?: string | null;
  resourceId?: string | null;
  details?: Record<string, unknown>;
  peekerRequestId?: string | null;
}

// Keys whose values are never stored, whatever the caller passes: the audit log is shown in Slack.
const SECRET_KEYS = /(password|secret|token|authorization|api_?key|signature)/i;

export function scrubSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubSecrets);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "[redacted]" : scrubSecrets(v)]),
    );
  }
  return value;
}

export async function appendAudit(
  db: Kysely<Database> | Transaction<Database>,
  entries: AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto("audit_log").values(entries.map(auditRow)).execute();
}

/** An entry as the row it is stored as, its details scrubbed of secrets. */
function auditRow(e: AuditEntry) {
  return {
    actor: e.actor,
    action: e.action,
    pending_action_id: e.pendingActionId ?? null,
    resource_id: e.resourceId ?? null,
    details: JSON.stringify(scrubSecrets(e.details ?? {})),
    peeker_request_id: e.peekerRequestId ?? null,
  };
}

/** The same row as positional values (actor, action, pending action, resource, details, request id), for SQL. */
export function auditValues(e: AuditEntry): Array<string | null> {
  const row = auditRow(e);
  return [row.actor, row.action, row.pending_action_id, row.resource_id, row.details, row.peeker_request_id];
}

export interface AuditRow {
  at: Date;
  actor: string;
  action: string;
  pendingActionId: string | null;
  resourceId: string | null;
  details: Record<string, unknown>;
  peekerRequestId: string | null;
}

/** The newest `limit` rows about a resource id or any of the given pending actions, oldest first. */
export async function listAuditTrail(
  db: Kysely<Database> | Transaction<Database>,
  input: { resourceId: string; pendingActionIds: string[]; limit: number },
): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom("audit_log")
    .selectAll()
    .where((eb) =>
      eb.or([
        eb("resource_id", "=", input.resourceId),
        ...(input.pendingActionIds.length > 0 ? [eb("pending_action_id", "in", input.pendingActionIds)] : []),
      ]),
    )
    .orderBy("at", "desc")
    .orderBy("id", "desc")
    .limit(input.limit)
    .execute();
  return rows.reverse().map((r) => ({
    at: r.at,
    actor: r.actor,
    action: r.action,
    pendingActionId: r.pending_action_id,
    resourceId: r.resource_id,
    details: r.details,
    peekerRequestId: r.peeker_request_id,
  }));
}
