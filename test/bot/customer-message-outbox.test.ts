import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardPublisher } from "../../src/bot/card-publisher.js";
import {
  CUSTOMER_MESSAGE_EVENT_TYPE,
  createCustomerMessageSender,
} from "../../src/bot/customer-message-sender.js";
import { slackTs } from "../../src/bot/sender/message-lookup.js";
import { createSenderClient } from "../../src/bot/slack-clients.js";
import type { Config } from "../../src/config.js";
import { silentLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";
import { type SlackFake, startSlackFake } from "../support/slack-fake/index.js";

/**
 * The customer outbox (src/bot/customer-message-sender.ts) on a real database and the Slack fake: an attempt
 * whose outcome was lost is looked up among every message since it (not the last 200), a message Slack refuses
 * for good ends `failed` with a line on the card in words, and a stopping sender starts no new message.
 */
const CARD_CHANNEL = "C0CARDS001";
const CUSTOMER = "C0CUSTOM01";
const GONE = "C0GONE0001";

describe("customer outbox", () => {
  let database: TestDatabase;
  let fake: SlackFake;
  let sender: ReturnType<typeof createCustomerMessageSender>;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startSlackFake({ channels: [CARD_CHANNEL, CUSTOMER] });
    const slack = createSenderClient(
      { slack: { botToken: "xoxb-test-token", apiUrl: fake.apiUrl } } as Config,
      silentLogger(),
    );
    sender = createCustomerMessageSender({
      db: database.handle.db,
      slack,
      publisher: createCardPublisher(CARD_CHANNEL),
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  const queue = async (channel: string, state: "to_send" | "sending", attemptAt: Date | null) => {
    const card = await insertPendingRow(database.handle.db);
    const message = await database.handle.db
      .insertInto("customer_messages")
      .values({
        pending_action_id: card.id,
        channel,
        text: "Please point your domains at ns1.peeker.example",
        requested_by: "U0OPERATOR",
        state,
        attempt_at: attemptAt,
        attempts: state === "sending" ? 1 : 0,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { card, message };
  };
  const messageRow = (id: string) =>
    database.handle.db
      .selectFrom("customer_messages")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
  const postsTo = (channel: string) =>
    fake.calls("chat.postMessage").filter((c) => (c.args as { channel?: string }).channel === channel).length;

  it("finds an earlier attempt behind 250 newer messages and does not post it again", async () => {
    const attemptAt = new Date(Date.now() - 60_000);
    const { message } = await queue(CUSTOMER, "sending", attemptAt);
    const ts = fake.seedMessage(CUSTOMER, {
      ts: slackTs(new Date(attemptAt.getTime() + 1000)),
      text: message.text,
      metadata: { event_type: CUSTOMER_MESSAGE_EVENT_TYPE, event_payload: { message_id: message.id } },
    });
    for (let i = 0; i < 250; i++) fake.seedMessage(CUSTOMER, { text: `chatter ${i}` });
    // The lease of the lost attempt has run out.
    await sql`UPDATE customer_messages SET next_attempt_at = now() WHERE id = ${message.id}`.execute(
      database.handle.db,
    );

    await sender.tick();

    const row = await messageRow(message.id);
    expect(row.state).toBe("sent");
    expect(row.ts).toBe(ts);
    expect(postsTo(CUSTOMER)).toBe(0);
  });

  it("gives up on a channel Slack does not know, says so on the card, and never tries again", async () => {
    const { card, message } = await queue(GONE, "to_send", null);

    await sender.tick();

    const row = await messageRow(message.id);
    expect(row.state).toBe("failed");
    expect(row.last_error).toBe("channel_not_found");
    const lines = await database.handle.db
      .selectFrom("thread_lines")
      .select("text")
      .where("pending_action_id", "=", card.id)
      .execute();
    expect(lines.map((l) => l.text).join("\n")).toMatch(
      /could not be sent: Slack does not know that channel.*The customer did not get it/,
    );
    // Due again now: a sender that still retried it would post once more.
    const before = postsTo(GONE);
    await sql`UPDATE customer_messages SET next_attempt_at = now() WHERE id = ${message.id}`.execute(
      database.handle.db,
    );
    await sender.tick();
    expect(postsTo(GONE)).toBe(before);
    expect((await messageRow(message.id)).attempts).toBe(1);
  });

  it("starts no message once the sender is stopping", async () => {
    const { message } = await queue(CUSTOMER, "to_send", null);
    const before = postsTo(CUSTOMER);

    await sender.tick(() => true);

    expect(postsTo(CUSTOMER)).toBe(before);
    const row = await messageRow(message.id);
    expect(row.state).toBe("to_send");
    // Not stopping: the same message goes out, so the assertion above could have failed.
    await sender.tick();
    expect((await messageRow(message.id)).state).toBe("sent");
  });
});
