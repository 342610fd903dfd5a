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
  await db
    .insertInto("audit_log")
    .values(
      entries.map((e) => ({
        actor: e.actor,
        action: e.action,
        pending_action_id: e.pendingActionId ?? null,
        resource_id: e.resourceId ?? null,
        details: JSON.stringify(scrubSecrets(e.details ?? {})),
        peeker_request_id: e.peekerRequestId ?? null,
      })),
    )
    .execute();
}
