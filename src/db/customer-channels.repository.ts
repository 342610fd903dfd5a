import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "./schema.js";

type Db = Kysely<Database> | Transaction<Database>;

export interface CustomerChannel {
  userId: string;
  email: string | null;
  channel: string;
}

/** Links (or re-links) a customer to a Slack channel; the last link wins. */
export async function linkCustomerChannel(
  db: Db,
  input: { userId: string; email: string | null; channel: string; linkedBy: string },
): Promise<void> {
  await db
    .insertInto("customer_channels")
    .values({
      user_id: input.userId,
      email: input.email,
      channel: input.channel,
      linked_by: input.linkedBy,
    })
    .onConflict((oc) =>
      oc.column("user_id").doUpdateSet({
        channel: input.channel,
        linked_by: input.linkedBy,
        linked_at: sql`now()`,
        email: sql`coalesce(excluded.email, customer_channels.email)`,
      }),
    )
    .execute();
}

/** The channel linked to a customer, by `usr_` id first, then by email (case-insensitive). */
export async function findCustomerChannel(
  db: Db,
  customer: { userId?: string | null; email?: string | null },
): Promise<CustomerChannel | undefined> {
  if (customer.userId) {
    const row = await db
      .selectFrom("customer_channels")
      .select(["user_id", "email", "channel"])
      .where("user_id", "=", customer.userId)
      .executeTakeFirst();
    if (row) return { userId: row.user_id, email: row.email, channel: row.channel };
  }
  if (customer.email) {
    const row = await db
      .selectFrom("customer_channels")
      .select(["user_id", "email", "channel"])
      .where(sql<string>`lower(email)`, "=", customer.email.toLowerCase())
      .orderBy("linked_at", "desc")
      .executeTakeFirst();
    if (row) return { userId: row.user_id, email: row.email, channel: row.channel };
  }
  return undefined;
}
