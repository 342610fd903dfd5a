import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { rowByKey, submit, viewText } from "../support/interactions.js";
import {
  customerMessageSent,
  customerMessages,
  nameserversForm,
  nameserversValues,
  startNameservers,
} from "../support/resolution-crash.js";

/**
 * A customer gets each message at most once per submit (issue #10 item 4, design §6): the message is written in
 * the commit that records "Customer notified" and posted only after it. Here PostgreSQL itself refuses that commit
 * (a trigger on the audit row it writes), as a failed database would: the person is told nothing was changed and
 * the customer was indeed sent nothing; the retry, once the database accepts it, sends the message once.
 */
describe("nameservers go through the outbox", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "resolve-nameservers-outbox" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const refuseRecording = (on: boolean) =>
    on
      ? sql`
          CREATE OR REPLACE FUNCTION refuse_customer_notified() RETURNS trigger AS $$
          BEGIN
            IF NEW.action = 'customer.notified' THEN RAISE EXCEPTION 'recording commit refused by the test'; END IF;
            RETURN NEW;
          END $$ LANGUAGE plpgsql;
          CREATE TRIGGER refuse_customer_notified BEFORE INSERT ON audit_log
            FOR EACH ROW EXECUTE FUNCTION refuse_customer_notified();`.execute(stack.database.handle.db)
      : sql`DROP TRIGGER refuse_customer_notified ON audit_log`.execute(stack.database.handle.db);

  it("sends nothing when the recording commit fails, and once when the retry commits", {
    timeout: 60_000,
  }, async () => {
    await refuseRecording(true);
    const flow = await startNameservers(stack, 0, 1);
    const answer = (await flow.answer) as { json?: unknown };
    expect(viewText(answer.json)).toContain("Nothing was changed");
    // Released with nothing queued: no row exists that could ever be sent.
    const released = await waitFor(
      async () => {
        const row = await rowByKey(stack, flow.key);
        return row?.state === "open" ? row : undefined;
      },
      { what: "the card open again" },
    );
    const queued = await stack.database.handle.db
      .selectFrom("customer_messages")
      .selectAll()
      .where("pending_action_id", "=", released.id)
      .execute();
    expect(queued).toEqual([]);
    expect(customerMessages(stack)).toEqual([]);

    await refuseRecording(false);
    const form = await nameserversForm(stack, released.id, 0);
    const retried = await submit(stack, { view: form, values: nameserversValues(flow.message) });
    expect(viewText(retried.json)).toContain("Message sent");
    await customerMessageSent(stack, released.id);
    expect(customerMessages(stack).filter((t) => t === flow.message)).toHaveLength(1);
  });
});
