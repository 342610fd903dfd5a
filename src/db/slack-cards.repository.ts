import { type Kysely, type QueryCreator, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

/** Card delivery (design §4): the desired render of each card, and what Slack shows of it. */

type Db = Kysely<Database> | Transaction<Database>;

export interface DesiredCard {
  pendingActionId: string;
  channel: string;
  text: string;
  blocks: unknown[];
  metadata: Record<string, unknown>;
  hash: string;
}

/** Records what the card should look like now; an unchanged render writes nothing, a changed one wakes the sender. */
export async function upsertDesiredCard(db: Db, card: DesiredCard): Promise<void> {
  await db
    .insertInto("slack_cards")
    .values({
      pending_action_id: card.pendingActionId,
      channel: card.channel,
      desired_text: card.text,
      desired_blocks: JSON.stringify(card.blocks),
      desired_metadata: JSON.stringify(card.metadata),
      desired_hash: card.hash,
    })
    .onConflict((oc) =>
      oc
        .column("pending_action_id")
        .doUpdateSet({
          desired_text: (eb) => eb.ref("excluded.desired_text"),
          desired_blocks: (eb) => eb.ref("excluded.desired_blocks"),
          desired_metadata: (eb) => eb.ref("excluded.desired_metadata"),
          desired_hash: (eb) => eb.ref("excluded.desired_hash"),
          desired_version: sql`slack_cards.desired_version + 1`,
          next_attempt_at: sql`least(slack_cards.next_attempt_at, now())`,
          updated_at: sql`now()`,
        })
        .where("slack_cards.desired_hash", "!=", (eb) => eb.ref("excluded.desired_hash")),
    )
    .execute();
}

/**
 * Before a first post: the card is `posting` until Slack's answer arrives. A retry of a post whose outcome stayed
 * unknown keeps the series' first attempt time, so the lookup window covers every attempt.
 */
export async function markCardPosting(db: Db, id: string): Promise<void> {
  await db
    .updateTable("slack_cards")
    .set({
      state: "posting",
      post_attempted_at: sql`CASE WHEN state = 'posting' AND post_attempted_at IS NOT NULL
                                  THEN post_attempted_at ELSE now() END`,
    })
    .where("pending_action_id", "=", id)
    .execute();
}

/** Marks a card as Slack has it (posted, edited, or found by its metadata); run inside the pacing statement. */
export function cardSentUpdate(db: QueryCreator<Database>, id: string, ts: string, hash: string | null) {
  return db
    .updateTable("slack_cards")
    .set({
      ts,
      posted_hash: hash,
      posted_at: sql`now()`,
      state: "posted",
      attempts: 0,
      last_error: null,
      post_attempted_at: null,
    })
    .where("pending_action_id", "=", id);
}

/** A post whose outcome is known to have failed goes back to `to_post`; an unknown one stays `posting`. */
export async function markCardRetry(
  db: Db,
  id: string,
  options: {
    delayMs: number;
    error: string;
    outcomeKnown: boolean;
    countAttempt: boolean;
    forgetTs?: boolean;
  },
): Promise<void> {
  await db
    .updateTable("slack_cards")
    .set({
      next_attempt_at: sql`now() + make_interval(secs => ${options.delayMs / 1000})`,
      last_error: options.error,
      ...(options.countAttempt ? { attempts: sql`attempts + 1` } : {}),
      ...(options.outcomeKnown ? { state: sql`CASE WHEN ts IS NULL THEN 'to_post' ELSE 'posted' END` } : {}),
      ...(options.forgetTs ? { ts: null, posted_hash: null, state: "to_post" as const } : {}),
    })
    .where("pending_action_id", "=", id)
    .execute();
}

/** Cards changed since `since` (database clock) and not yet shown in Slack as they should be; held ones aside. */
export async function unsentCardsSince(db: Db, channel: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom("slack_cards")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("channel", "=", channel)
    .where("held", "=", false)
    .where(sql<boolean>`posted_hash IS DISTINCT FROM desired_hash`)
    .where("updated_at", ">=", since)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
