import { AsyncLocalStorage } from "node:async_hooks";
import type { AuditEntry } from "../db/audit-log.repository.js";
import type { PeekerCallInfo } from "../peeker/client.js";

/**
 * Every Peeker call made on behalf of a person (or a background placement) becomes an audit row with its
 * `Peeker-Request-Id`. The client reports each attempt through its `onCall` hook; this module attributes the
 * attempt to the flow that made it through AsyncLocalStorage, so no call site has to remember to log.
 */

export type PeekerCallRecord = Omit<PeekerCallInfo, "ms"> & { ms: number };

const storage = new AsyncLocalStorage<PeekerCallRecord[]>();

/** Wire into the Peeker client's `onCall` (src/app/core.ts). Outside a flow it does nothing. */
export function recordPeekerCall(info: PeekerCallInfo): void {
  storage.getStore()?.push({ ...info });
}

/** Runs `work`, collecting the Peeker calls it makes (nested runs collect into their own list). */
export async function withPeekerCallLog<T>(
  work: () => Promise<T>,
): Promise<{ calls: PeekerCallRecord[]; value?: T; error?: unknown; threw: boolean }> {
  const calls: PeekerCallRecord[] = [];
  try {
    const value = await storage.run(calls, work);
    return { calls, value, threw: false };
  } catch (error) {
    return { calls, error, threw: true };
  }
}

export function callAuditEntries(
  calls: PeekerCallRecord[],
  context: { actor: string; pendingActionId?: string | null; resourceId?: string | null },
): AuditEntry[] {
  return calls.map((call) => ({
    actor: context.actor,
    action: "peeker.call",
    pendingActionId: context.pendingActionId ?? null,
    resourceId: context.resourceId ?? null,
    details: {
      call: `${call.method} ${call.route}`,
      status: call.status ?? null,
      outcome: call.outcome,
      attempt: call.attempt,
      interactive: call.interactive,
      ms: Math.round(call.ms),
    },
    peekerRequestId: call.requestId ?? null,
  }));
}
