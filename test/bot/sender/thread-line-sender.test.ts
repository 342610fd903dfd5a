import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { THREAD_LINE_EVENT_TYPE } from "../../../src/bot/sender/lost-answer-lookup.js";
import { sendLine } from "../../../src/bot/sender/thread-line-sender.js";
import { nextOutboxItems } from "../../../src/db/slack-outbox.repository.js";
import {
  fakeSlack,
  lineRow,
  postedCard,
  queueLine,
  sendDeps,
  slackErrors,
  useOutboxDatabase,
} from "./sender-fixtures.js";

/**
 * The thread-line sender (src/bot/sender/thread-line-sender.ts) on a real database: a line goes quietly into its
 * card's thread, `sending` before the post; a line left `sending` by a lost answer is looked for among the
 * thread's replies first, and never posted blind.
 */
describe("the thread-line sender", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0LINES101";
  const THREAD = "1700000000.000050";

  async function dueLine() {
    const card = await postedCard(db(), CHANNEL, THREAD);
    await queueLine(db(), CHANNEL, card.id, "Claimed by <@U0OPERATOR>");
    const [item] = await nextOutboxItems(db(), CHANNEL, 10);
    if (item?.kind !== "line") throw new Error("expected the line to be due");
    return item;
  }

  it("posts the line in its card's thread, quietly, `sending` while the post is on its way", async () => {
    const item = await dueLine();
    let stateDuringPost: string | undefined;
    const slack = fakeSlack({
      postMessage: async () => {
        stateDuringPost = (await lineRow(db(), item.line.id)).state;
        return { ts: "1700000000.000051" };
      },
    });
    const outcome = await sendLine({ ...sendDeps(db()), slack }, CHANNEL, item);
    expect(stateDuringPost).toBe("sending");
    expect(outcome).toEqual({
      kind: "ok",
      sent: { kind: "line", id: item.line.id, ts: "1700000000.000051" },
    });
    expect(slack.made("postMessage")).toEqual([
      expect.objectContaining({
        channel: CHANNEL,
        thread_ts: THREAD,
        reply_broadcast: false,
        metadata: { event_type: THREAD_LINE_EVENT_TYPE, event_payload: { line_id: item.line.id } },
      }),
    ]);
  });

  it("finds a line an earlier attempt posted among the thread's replies, and does not post it again", async () => {
    const item = await dueLine();
    await sql`UPDATE thread_lines SET state = 'sending' WHERE id = ${item.line.id}`.execute(db());
    const slack = fakeSlack({
      replies: async () => ({
        messages: [
          { ts: THREAD },
          {
            ts: "1700000000.000052",
            metadata: { event_type: THREAD_LINE_EVENT_TYPE, event_payload: { line_id: item.line.id } },
          },
        ],
      }),
    });
    const outcome = await sendLine({ ...sendDeps(db()), slack }, CHANNEL, {
      ...item,
      line: { ...item.line, state: "sending" },
    });
    expect(outcome).toEqual({
      kind: "ok",
      sent: { kind: "line", id: item.line.id, ts: "1700000000.000052" },
    });
    expect(slack.made("postMessage")).toEqual([]);
  });

  it("does not post a line left `sending` while Slack does not answer the lookup", async () => {
    const item = await dueLine();
    const slack = fakeSlack({ replies: async () => Promise.reject(new Error("socket hang up")) });
    const outcome = await sendLine({ ...sendDeps(db()), slack }, CHANNEL, {
      ...item,
      line: { ...item.line, state: "sending" },
    });
    expect(outcome).toMatchObject({ kind: "failed", outcomeKnown: false });
    expect(slack.made("postMessage")).toEqual([]);
  });

  it("puts a rate-limited line back without counting an attempt", async () => {
    const item = await dueLine();
    const slack = fakeSlack({ postMessage: async () => Promise.reject(slackErrors.rateLimited(2)) });
    expect(await sendLine({ ...sendDeps(db()), slack }, CHANNEL, item)).toEqual({
      kind: "rate_limited",
      retryAfterMs: 2000,
    });
    expect(await lineRow(db(), item.line.id)).toMatchObject({ state: "to_send", attempts: 0 });
  });
});
