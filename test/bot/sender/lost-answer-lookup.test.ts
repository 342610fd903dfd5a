import { describe, expect, it } from "vitest";
import { findPostedCard, findPostedSummary } from "../../../src/bot/sender/lost-answer-lookup.js";
import { LOOKUP_MARGIN_MS, slackTs } from "../../../src/bot/sender/message-lookup.js";
import { BACKLOG_EVENT_TYPE } from "../../../src/bot/views/backlog-summary.js";
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
 * The lost-answer lookup (src/bot/sender/lost-answer-lookup.ts): a card is looked for page after page among every
 * channel message since its first post attempt (minus a margin for Slack's clock), and an unanswered lookup says
 * so instead of answering "absent".
 */
describe("the lost-answer lookup", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0LOOKUP01";

  it("pages through the channel since the first attempt until it finds the card by its key", async () => {
    const action = await queueCard(db(), CHANNEL);
    const card = await cardRow(db(), action.id);
    const mine = { event_type: CARD_EVENT_TYPE, event_payload: { card_key: action.card_key } };
    const slack = fakeSlack({
      history: async (args) =>
        args.cursor
          ? { messages: [{ ts: "1700000000.000090", metadata: mine }] }
          : {
              messages: [{ ts: "1700000000.000091" }],
              has_more: true,
              response_metadata: { next_cursor: "page2" },
            },
    });
    const lookup = await findPostedCard({ ...sendDeps(db()), slack }, CHANNEL, card, action.card_key);
    expect(lookup).toEqual({ kind: "answered", found: "1700000000.000090" });
    const [first] = slack.made("history");
    expect(first).toMatchObject({
      channel: CHANNEL,
      oldest: slackTs(new Date(card.queued_at.getTime() - LOOKUP_MARGIN_MS)),
      include_all_metadata: true,
    });
  });

  it("answers `answered` without a ts when the pages run out, and `unanswered` when Slack limits the reads", async () => {
    const action = await queueCard(db(), CHANNEL);
    const card = await cardRow(db(), action.id);
    const deps = sendDeps(db());
    expect(await findPostedCard({ ...deps, slack: fakeSlack() }, CHANNEL, card, action.card_key)).toEqual({
      kind: "answered",
    });
    const limited = fakeSlack({ history: async () => Promise.reject(slackErrors.rateLimited(5)) });
    expect(await findPostedCard({ ...deps, slack: limited }, CHANNEL, card, action.card_key)).toEqual({
      kind: "unanswered",
      outcome: { kind: "rate_limited", retryAfterMs: 5000 },
    });
  });

  it("finds the channel's backlog summary among its latest messages", async () => {
    const slack = fakeSlack({
      history: async () => ({
        messages: [{ ts: "1.1" }, { ts: "1.2", metadata: { event_type: BACKLOG_EVENT_TYPE } }],
      }),
    });
    expect(await findPostedSummary({ ...sendDeps(db()), slack }, CHANNEL)).toEqual({
      kind: "answered",
      found: "1.2",
    });
  });
});
