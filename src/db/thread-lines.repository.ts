import { type Kysely, type QueryCreator, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/** Thread lines (design §4): one quiet reply in a card's thread per step, the audit trail in Slack. */

type Db = Kysely<Database> | Transaction<Database>;

export async function queueThreadLine(
  db: Db,
  line: { pendingActionId: string; channel: string; text: string },
) {
  await db
    .insertInto("thread_lines")
    .values({ pending_action_id: line.pendingActionId, channel: line.channel, text: line.text })
    .execute();
}

export async function markLineSending(db: Db, id: string): Promise<void> {
  await db.updateTable("thread_lines").set({ state: "sending" }).where("id", "=", id).execute();
}

/** Marks a line as Slack has it; run inside the pacing statement. */
export function lineSentUpdate(db: QueryCreator<Database>, id: string, ts: string) {
  return db
    .updateTable("thread_lines")
    .set({ state: "sent", ts, sent_at: sql`now()`, last_error: null })
    .where("id", "=", id);
}

export async function markLineRetry(
  db: Db,
  id: string,
  options: { delayMs: number; error: string; outcomeKnown: boolean; countAttempt: boolean },
): Promise<void> {
  await db
    .updateTable("thread_lines")
    .set({
      next_attempt_at: sql`now() + make_interval(secs => ${options.delayMs / 1000})`,
      last_error: options.error,
      ...(options.countAttempt ? { attempts: sql`attempts + 1` } : {}),
      ...(options.outcomeKnown ? { state: "to_send" as const } : {}),
    })
    .where("id", "=", id)
    .execute();
}
