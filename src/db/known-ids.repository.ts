import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

/**
 * Ids the tracked actions already know, so a command can name a resource without asking Peeker to look it up.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** A domain's id from its name, as the most recently updated action of that domain knows it. */
export async function knownDomainIdOf(db: Db, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("pending_actions")
    .select("domain_id")
    .where("domain", "=", name)
    .where("domain_id", "is not", null)
    .orderBy("updated_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return row?.domain_id ?? undefined;
}

/** A customer's `usr_` id from a lower-cased email, as the newest action that names that email knows it. */
export async function knownUserIdOf(db: Db, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("pending_actions")
    .select("user_id")
    .where((eb) => eb(eb.fn("lower", ["customer_email"]), "=", email))
    .where("user_id", "is not", null)
    .orderBy("opened_at", "desc")
    .executeTakeFirst();
  return row?.user_id ?? undefined;
}
