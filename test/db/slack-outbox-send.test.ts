import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { upsertDesiredCard } from "../../src/db/slack-cards.repository.js";
import { acquireChannelLease, afterChannelSend } from "../../src/db/slack-channels.repository.js";
import { nextOutboxItems } from "../../src/db/slack-outbox.repository.js";
import { queueThreadLine } from "../../src/db/thread-lines.repository.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { insertPendingRow } from "../support/pending-rows.js";

/**
 * The outbox's send path on a real database (issue #14): due items come a few per query, oldest first, and a
 * message Slack accepted is marked sent in the statement that paces its channel, whether or not the lease held.
 */
describe("the Slack outbox's send path", () => {
  let database: TestDatabase;
  const db = () => database.handle.db;
  const CHANNEL = "C0OUTBOX01";
  const pacing = { pacedGapMs: 1000, pacedForMs: 60_000 };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });
  beforeEach(async () => {
    await sql`TRUNCATE slack_channels, thread_lines, slack_cards, pending_actions CASCADE`.execute(db());
  });

  async function queueCard(hash = "h1") {
    const row = await insertPendingRow(db());
    await upsertDesiredCard(db(), {
      pendingActionId: row.id,
      channel: CHANNEL,
      text: `card ${row.card_key}`,
      blocks: [],
      metadata: { event_type: "peeker_pending_action", event_payload: { card_key: row.card_key } },
      hash,
    });
    return row.id;
  }
  const cardRow = (id: string) =>
    db().selectFrom("slack_cards").selectAll().where("pending_action_id", "=", id).executeTakeFirstOrThrow();

  it("hands out due items a few at a time, oldest first, lines after the card they follow", async () => {
    const first = await queueCard();
    const second = await queueCard();
    await sql`UPDATE slack_cards SET ts = '1.0001', posted_hash = desired_hash WHERE pending_action_id = ${first}`.execute(
      db(),
    );
    await queueThreadLine(db(), { pendingActionId: first, channel: CHANNEL, text: "a line" });
    const third = await queueCard();

    const items = await nextOutboxItems(db(), CHANNEL, 10);
    expect(
      items.map((i) =>
        i.kind === "card" ? i.card.pending_action_id : `line of ${i.line.pending_action_id}`,
      ),
    ).toEqual([second, `line of ${first}`, third]);
    expect(await nextOutboxItems(db(), CHANNEL, 2)).toHaveLength(2);
  });

  it("marks a posted card sent in the statement that paces the channel", async () => {
    const id = await queueCard("h2");
    expect(await acquireChannelLease(db(), CHANNEL, "worker-a", 30)).toBeDefined();
    const wait = await afterChannelSend(db(), CHANNEL, "worker-a", {
      ...pacing,
      sent: { kind: "card", id, ts: "1.0002", hash: "h2" },
    });
    expect(wait).toBe(0);
    expect(await cardRow(id)).toMatchObject({
      ts: "1.0002",
      posted_hash: "h2",
      state: "posted",
      attempts: 0,
    });
    expect(await nextOutboxItems(db(), CHANNEL, 10)).toEqual([]);
  });

  it("marks the card sent even when the lease was lost meanwhile (Slack has it either way)", async () => {
    const id = await queueCard("h3");
    expect(await acquireChannelLease(db(), CHANNEL, "worker-a", 30)).toBeDefined();
    await sql`UPDATE slack_channels SET locked_by = 'worker-b' WHERE channel = ${CHANNEL}`.execute(db());
    const wait = await afterChannelSend(db(), CHANNEL, "worker-a", {
      ...pacing,
      sent: { kind: "card", id, ts: "1.0003", hash: "h3" },
    });
    expect(wait).toBeUndefined();
    expect(await cardRow(id)).toMatchObject({ ts: "1.0003", posted_hash: "h3", state: "posted" });
  });

  it("marks a thread line sent the same way", async () => {
    const id = await queueCard();
    await sql`UPDATE slack_cards SET ts = '1.0004', posted_hash = desired_hash WHERE pending_action_id = ${id}`.execute(
      db(),
    );
    await queueThreadLine(db(), { pendingActionId: id, channel: CHANNEL, text: "a line" });
    const [item] = await nextOutboxItems(db(), CHANNEL, 10);
    if (item?.kind !== "line") throw new Error("expected the line");
    expect(await acquireChannelLease(db(), CHANNEL, "worker-a", 30)).toBeDefined();
    await afterChannelSend(db(), CHANNEL, "worker-a", {
      ...pacing,
      sent: { kind: "line", id: item.line.id, ts: "1.0005" },
    });
    const line = await db()
      .selectFrom("thread_lines")
      .selectAll()
      .where("id", "=", item.line.id)
      .executeTakeFirstOrThrow();
    expect(line).toMatchObject({ state: "sent", ts: "1.0005" });
  });
});
