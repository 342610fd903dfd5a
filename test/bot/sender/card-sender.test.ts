import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { sendCard } from "../../../src/bot/sender/card-sender.js";
import { slackTs } from "../../../src/bot/sender/message-lookup.js";
import { CARD_EVENT_TYPE } from "../../../src/bot/views/card-model.js";
import {
  cardRow,
  fakeSlack,
  queueCard,
  sendDeps,
  slackErrors,
  useOutboxDatabase,
} from "./sender-fixtures.js";

/**
 * The card sender (src/bot/sender/card-sender.ts) on a real database with a plain-object Slack client: a card is
 * `posting` before its post goes out, edited in place once it has a ts, and a card left `posting` by a lost
 * answer is found by its metadata and adopted — or, when Slack does not answer the lookup, not posted at all.
 */
describe("the card sender", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0CARDS101";

  it("posts a new card, which is `posting` in the database while the post is on its way", async () => {
    const action = await queueCard(db(), CHANNEL);
    let stateDuringPost: string | undefined;
    const slack = fakeSlack({
      postMessage: async () => {
        stateDuringPost = (await cardRow(db(), action.id)).state;
        return { ts: "1700000000.000001" };
      },
    });
    const card = await cardRow(db(), action.id);
    const outcome = await sendCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    expect(stateDuringPost).toBe("posting");
    expect(outcome).toEqual({
      kind: "ok",
      sent: { kind: "card", id: action.id, ts: "1700000000.000001", hash: card.desired_hash },
    });
    expect(slack.made("postMessage")).toEqual([
      expect.objectContaining({ channel: CHANNEL, text: card.desired_text, unfurl_links: false }),
    ]);
    expect(slack.made("history")).toEqual([]);
  });

  it("edits a card that is already in the channel, in place", async () => {
    const action = await queueCard(db(), CHANNEL);
    await sql`UPDATE slack_cards SET ts = '1700000000.000002', state = 'posted' WHERE pending_action_id = ${action.id}`.execute(
      db(),
    );
    const slack = fakeSlack();
    const card = await cardRow(db(), action.id);
    const outcome = await sendCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    expect(outcome).toMatchObject({ kind: "ok", sent: { ts: "1700000000.000002", hash: card.desired_hash } });
    expect(slack.made("update")).toEqual([expect.objectContaining({ ts: "1700000000.000002" })]);
    expect(slack.made("postMessage")).toEqual([]);
  });

  it("adopts a card an earlier post left in the channel, found by its metadata, instead of posting again", async () => {
    const action = await queueCard(db(), CHANNEL);
    await sql`UPDATE slack_cards SET state = 'posting', post_attempted_at = now() - interval '1 minute'
               WHERE pending_action_id = ${action.id}`.execute(db());
    const slack = fakeSlack({
      history: async () => ({
        messages: [
          {
            ts: slackTs(new Date()),
            metadata: { event_type: CARD_EVENT_TYPE, event_payload: { card_key: "other" } },
          },
          {
            ts: "1700000000.000003",
            metadata: { event_type: CARD_EVENT_TYPE, event_payload: { card_key: action.card_key } },
          },
        ],
      }),
    });
    const card = await cardRow(db(), action.id);
    const outcome = await sendCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    // Its content is unknown (hash null), so the next pass edits it to the desired render.
    expect(outcome).toEqual({
      kind: "ok",
      sent: { kind: "card", id: action.id, ts: "1700000000.000003", hash: null },
    });
    expect(slack.made("postMessage")).toEqual([]);
  });

  it("does not post a card left `posting` while Slack does not answer the lookup", async () => {
    const action = await queueCard(db(), CHANNEL);
    await sql`UPDATE slack_cards SET state = 'posting', post_attempted_at = now() WHERE pending_action_id = ${action.id}`.execute(
      db(),
    );
    const slack = fakeSlack({ history: async () => Promise.reject(slackErrors.platform("internal_error")) });
    const card = await cardRow(db(), action.id);
    const outcome = await sendCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    expect(outcome).toMatchObject({ kind: "failed", error: "internal_error", outcomeKnown: false });
    expect(slack.made("postMessage")).toEqual([]);
  });

  it("puts a rate-limited card back in line without counting an attempt (Slack did not post it)", async () => {
    const action = await queueCard(db(), CHANNEL);
    const slack = fakeSlack({ postMessage: async () => Promise.reject(slackErrors.rateLimited(3)) });
    const card = await cardRow(db(), action.id);
    const outcome = await sendCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    expect(outcome).toEqual({ kind: "rate_limited", retryAfterMs: 3000 });
    expect(await cardRow(db(), action.id)).toMatchObject({
      state: "to_post",
      attempts: 0,
      last_error: "rate limited",
    });
  });
});
