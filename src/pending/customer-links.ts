import type { Kysely } from "kysely";
import { type AuditRow, appendAudit, listAuditTrail } from "../db/audit-log.repository.js";
import { linkCustomerChannel } from "../db/customer-channels.repository.js";
import { knownUserIdOf } from "../db/known-ids.repository.js";
import { pendingActionsMentioning } from "../db/pending-actions.repository.js";
import type { Database } from "../db/schema.js";
import type { PeekerClient } from "../peeker/client.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import type { OperatorCheck } from "./permissions.js";

/**
 * `/peeker link` (a customer → the Slack channel where their nameserver messages go) and `/peeker history` (the
 * audit trail of any id). Both take typed input: the slash command parses the text at the edge.
 */

export type CustomerRef = { kind: "user"; userId: string } | { kind: "email"; email: string };

export type LinkOutcome =
  | { kind: "linked"; userId: string; email: string | null; channel: string }
  | { kind: "not_operator" }
  | { kind: "unknown_customer"; email: string }
  | { kind: "failed"; error: unknown };

export interface LinkDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "listOrders">;
  isOperator: OperatorCheck;
}

export async function linkCustomer(
  deps: LinkDeps,
  input: { customer: CustomerRef; channel: string; userId: string },
): Promise<LinkOutcome> {
  const run = await withPeekerCallLog(async (): Promise<LinkOutcome> => {
    if (!(await deps.isOperator(input.userId))) return { kind: "not_operator" };
    let userId: string;
    let email: string | null = null;
    if (input.customer.kind === "user") {
      userId = input.customer.userId;
    } else {
      email = input.customer.email.toLowerCase();
      const found = await customerIdOf(deps, email);
      if (!found) return { kind: "unknown_customer", email };
      userId = found;
    }
    await linkCustomerChannel(deps.db, { userId, email, channel: input.channel, linkedBy: input.userId });
    return { kind: "linked", userId, email, channel: input.channel };
  });
  const outcome: LinkOutcome = run.threw ? { kind: "failed", error: run.error } : (run.value as LinkOutcome);
  const resourceId = outcome.kind === "linked" ? outcome.userId : null;
  await appendAudit(deps.db, [
    {
      actor: input.userId,
      action: outcome.kind === "not_operator" ? "permission.refused" : "customer.link",
      resourceId,
      details: {
        customer: input.customer.kind === "user" ? input.customer.userId : input.customer.email,
        channel: input.channel,
        outcome: outcome.kind,
      },
      peekerRequestId: run.calls.at(-1)?.requestId ?? null,
    },
    ...callAuditEntries(run.calls, { actor: input.userId, resourceId }),
  ]);
  return outcome;
}

/** A customer's `usr_` id from an email: the cards we track first, then Peeker's orders of that email. */
async function customerIdOf(deps: LinkDeps, email: string): Promise<string | undefined> {
  const known = await knownUserIdOf(deps.db, email);
  if (known) return known;
  const page = await deps.peeker
    .listOrders({ user_email: email, per_page: 1 }, { interactive: true })
    .firstPage();
  return page.data[0]?.user_id;
}

/** The newest audit rows about an id (order, domain, import, swap, user, act_ id, card key or our own id). */
export async function auditHistory(db: Kysely<Database>, id: string, limit = 30): Promise<AuditRow[]> {
  const actions = await pendingActionsMentioning(db, id);
  return listAuditTrail(db, { resourceId: id, pendingActionIds: actions.map((a) => a.id), limit });
}
