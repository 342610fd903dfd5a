import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import { findPendingAction } from "../db/pending-actions.repository.js";
import { callAuditEntries, withPeekerCallLog } from "./call-log.js";
import { whileInFlight } from "./intents.js";
import type { ResolveOutcome } from "./outcomes.js";
import type { Actor, ResolveDeps } from "./resolution.js";

/**
 * The audit around every resolution flow (src/pending/resolution.ts): one row for what the person did and how it
 * ended, one per Peeker call. Its own file because it wraps the whole flow, whatever steps that flow runs.
 */

/**
 * Runs one flow for a person: collects the Peeker calls it makes and writes them to the audit log with the
 * actor and their request ids, together with one row saying what the person did and how it ended.
 */
export async function audited<T>(
  deps: Pick<ResolveDeps, "db">,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
  work: () => Promise<ResolveOutcome<T>>,
): Promise<ResolveOutcome<T>> {
  // From here until the last commit this process works on the card: its own sweeper leaves the card alone.
  const run = await whileInFlight(actor.pendingActionId, () => withPeekerCallLog(work));
  const outcome: ResolveOutcome<T> = run.threw
    ? { kind: "failed", error: run.error, doing: action }
    : (run.value as ResolveOutcome<T>);
  const row = await findPendingAction(deps.db, actor.pendingActionId).catch(() => undefined);
  const context = {
    actor: actor.userId,
    pendingActionId: row?.id ?? null,
    resourceId: row?.resource_id ?? null,
  };
  const entries: AuditEntry[] = [
    {
      ...context,
      action,
      details: { ...details, outcome: describeOutcome(outcome) },
      peekerRequestId: requestIdOf(outcome) ?? run.calls.at(-1)?.requestId ?? null,
    },
    ...callAuditEntries(run.calls, context),
  ];
  if (outcome.kind === "refused" && outcome.refusal.kind === "not_operator") {
    // Its own row, so a refusal is easy to find (design §7: refused ephemerally and audited).
    entries.push({ ...context, action: "permission.refused", details: { attempted: action } });
  }
  // The database may be the reason the flow failed: the person still gets the outcome, the rows are best effort.
  await appendAudit(deps.db, entries).catch(() => undefined);
  return outcome;
}

function describeOutcome(outcome: ResolveOutcome<unknown>): Record<string, unknown> {
  switch (outcome.kind) {
    case "done":
      return { kind: "done" };
    case "refused":
      return { kind: "refused", refusal: outcome.refusal.kind };
    case "invalid":
      return {
        kind: "invalid",
        problems: outcome.problems.map((p) => ({
          field: p.field,
          problem: p.problem.kind,
          ...(p.problem.kind === "peeker" ? { code: p.problem.error.code } : {}),
        })),
      };
    case "failed":
      return { kind: "failed", doing: outcome.doing, error: errorCode(outcome.error) };
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error) return String((error as { code: unknown }).code);
  return error instanceof Error ? error.name : "unknown";
}

function requestIdOf(outcome: ResolveOutcome<unknown>): string | undefined {
  if (outcome.kind === "failed") return (outcome.error as { requestId?: string })?.requestId;
  if (outcome.kind === "invalid") {
    for (const p of outcome.problems) if (p.problem.kind === "peeker") return p.problem.error.requestId;
  }
  return undefined;
}
