import { LogLevel, webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMessageSince, slackTs } from "../../src/bot/sender/message-lookup.js";
import { type SlackFake, startSlackFake } from "../support/slack-fake/index.js";

/**
 * conversations.history paging in the Slack fake, as Slack does it (limit, oldest/latest, inclusive, cursors that
 * survive new messages), and the bot's time-bounded lookup over it (src/bot/sender/message-lookup.ts).
 */
const CHANNEL = "C0PAGING01";
let fake: SlackFake;
const client = () =>
  new webApi.WebClient("xoxb-test-token", {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });

beforeAll(async () => {
  fake = await startSlackFake();
});
afterAll(async () => {
  await fake.close();
});

describe("conversations.history paging", () => {
  it("pages newest first with cursors, within oldest/latest, unshaken by messages posted meanwhile", async () => {
    const slack = client();
    const ts: string[] = [];
    for (let i = 0; i < 7; i++) ts.push(fake.seedMessage(CHANNEL, { text: `m${i}` }));

    const first = await slack.conversations.history({ channel: CHANNEL, limit: 3, oldest: ts[1] });
    expect(first.messages?.map((m) => m.text)).toEqual(["m6", "m5", "m4"]);
    expect(first.has_more).toBe(true);
    // A newer message arrives between two pages: the next page goes on from where the first stopped.
    fake.seedMessage(CHANNEL, { text: "late" });
    const second = await slack.conversations.history({
      channel: CHANNEL,
      limit: 3,
      oldest: ts[1],
      cursor: first.response_metadata?.next_cursor ?? "",
    });
    expect(second.messages?.map((m) => m.text)).toEqual(["m3", "m2"]);
    expect(second.has_more).toBe(false);
    expect(second.response_metadata?.next_cursor).toBe("");

    const inclusive = await slack.conversations.history({
      channel: CHANNEL,
      oldest: ts[1],
      latest: ts[3],
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(["m3", "m2", "m1"]);
    const exclusive = await slack.conversations.history({ channel: CHANNEL, oldest: ts[1], latest: ts[3] });
    expect(exclusive.messages?.map((m) => m.text)).toEqual(["m2"]);
  });

  it("finds a message behind 450 newer ones, and not one from before the window", async () => {
    const slack = client();
    const channel = "C0PAGING02";
    fake.seedMessage(channel, {
      ts: slackTs(new Date(Date.now() - 60 * 60 * 1000)),
      text: "old",
      metadata: { event_type: "probe", event_payload: { n: "old" } },
    });
    const since = new Date();
    fake.seedMessage(channel, { text: "target", metadata: { event_type: "probe", event_payload: { n: 1 } } });
    for (let i = 0; i < 450; i++) fake.seedMessage(channel, { text: `chatter ${i}` });
    let pages = 0;
    const page = async (args: Parameters<typeof slack.conversations.history>[0]) => {
      pages++;
      return slack.conversations.history(args);
    };
    const probe = (n: unknown) =>
      findMessageSince({
        channel,
        since,
        matches: (m) => m.metadata?.event_payload?.n === n,
        page,
      });
    const found = await probe(1);
    expect(found.kind).toBe("found");
    expect(pages).toBe(3);
    // An hour-old message is outside the window (attempt time minus the margin): not looked at.
    expect((await probe("old")).kind).toBe("absent");
  });
});
