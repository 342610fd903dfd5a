import type { Kysely } from "kysely";
import { MINUTE } from "../clock.js";
import { appendAudit } from "../db/audit-log.repository.js";
import type { Database } from "../db/schema.js";

/**
 * Who may claim and resolve (design §3 `SLACK_OPERATORS`, §7): a list of Slack user ids (U…/W…) and user-group
 * ids (S…). Unset means everyone. Groups are expanded with `usergroups.users.list` and cached, so a busy channel
 * does not ask Slack on every click; a failed expansion falls back to the last good answer.
 */

export interface OperatorCheckOptions {
  operators: readonly string[];
  /** Members of a user group (Slack `usergroups.users.list`). */
  listGroupMembers: (groupId: string) => Promise<string[]>;
  now: () => number;
  /** How long an expansion is trusted, ms. Default 5 minutes. */
  cacheMs?: number;
  onError?: (groupId: string, error: unknown) => void;
}

export type OperatorCheck = (userId: string) => Promise<boolean>;

export function createOperatorCheck(options: OperatorCheckOptions): OperatorCheck {
  const users = new Set(options.operators.filter((id) => !id.startsWith("S")));
  const groups = options.operators.filter((id) => id.startsWith("S"));
  const cacheMs = options.cacheMs ?? 5 * MINUTE;
  const cache = new Map<string, { members: Set<string>; at: number }>();
  const inflight = new Map<string, Promise<Set<string>>>();

  const membersOf = async (groupId: string): Promise<Set<string>> => {
    const cached = cache.get(groupId);
    if (cached && options.now() - cached.at < cacheMs) return cached.members;
    let pending = inflight.get(groupId);
    if (!pending) {
      pending = options
        .listGroupMembers(groupId)
        .then((members) => {
          const set = new Set(members);
          cache.set(groupId, { members: set, at: options.now() });
          return set;
        })
        .catch((error: unknown) => {
          options.onError?.(groupId, error);
          // Stale is better than locking every operator out while Slack hiccups; nothing known = nobody.
          return cached?.members ?? new Set<string>();
        })
        .finally(() => inflight.delete(groupId));
      inflight.set(groupId, pending);
    }
    return pending;
  };

  return async (userId) => {
    if (options.operators.length === 0) return true;
    if (users.has(userId)) return true;
    for (const group of groups) {
      if ((await membersOf(group)).has(userId)) return true;
    }
    return false;
  };
}

export interface OperatorGateDeps {
  db: Kysely<Database>;
  isOperator: OperatorCheck;
}

/**
 * The gate of every write and every command that triggers work (design §7; issue #10 item 8): an operator
 * passes (undefined); anyone else gets the refusal in words and a `permission.refused` audit row, and nothing
 * runs. `attempted` names what was refused, in the words the person used (e.g. "/peeker reconcile").
 */
export async function refuseUnlessOperator(
  deps: OperatorGateDeps,
  input: { userId: string; attempted: string; resourceId?: string },
): Promise<string | undefined> {
  if (await deps.isOperator(input.userId)) return undefined;
  await appendAudit(deps.db, [
    {
      actor: input.userId,
      action: "permission.refused",
      resourceId: input.resourceId ?? null,
      details: { attempted: input.attempted },
    },
  ]);
  return `Only Peeker operators (SLACK_OPERATORS) can use ${input.attempted}; nothing was done. Ask an operator, or to be added to SLACK_OPERATORS.`;
}
