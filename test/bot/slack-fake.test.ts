import { LogLevel, webApi } from "@slack/bolt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { renderCard } from "../../src/bot/views/card.js";
import type { CardModel } from "../../src/bot/views/card-model.js";
import { type SlackFake, startSlackFake } from "../support/slack-fake/index.js";

const { WebClient, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIHTTPError, WebAPIRequestError } =
  webApi;

const TOKEN = "xoxb-test-token";
const CHANNEL = "C0SUPPORT";

let fake: SlackFake;

beforeAll(async () => {
  fake = await startSlackFake();
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
});

/** Configured like the bot's card sender: no hidden retries or waiting, a timeout. */
function client(token = TOKEN, options: { timeout?: number } = {}): InstanceType<typeof WebClient> {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

async function slackError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebAPIPlatformError))
    throw new Error(`expected a platform error, got ${String(error)}`);
  return error.data.error ?? "";
}

function card(overrides: Partial<CardModel> = {}) {
  return renderCard({
    cardKey: "replace_domain:dom_1",
    pendingActionId: "pa_1",
    reason: "replace_domain",
    state: "open",
    sandbox: false,
    customer: { email: "c@example.com" },
    domainId: "dom_1",
    peekerActionIds: ["act_1"],
    openedAt: new Date("2026-03-02T09:00:00Z"),
    notes: [],
    ...overrides,
  });
}

function section(text: string) {
  return { type: "section", text: { type: "mrkdwn", text } };
}

describe("a real WebClient against the fake", () => {
  it("auth.test answers the bot identity, and invalid_auth for a token marked invalid", async () => {
    const auth = await client().auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0FAKE" });

    fake.markTokenInvalid("xoxb-revoked");
    expect(await slackError(client("xoxb-revoked").auth.test())).toBe("invalid_auth");
    expect(fake.calls("auth.test").map((c) => c.token)).toEqual([TOKEN, "xoxb-revoked"]);
  });

  it("posts a card, updates it in place, and reads it back with its metadata from history", async () => {
    const slack = client();
    const first = card();
    const posted = await slack.chat.postMessage({ channel: CHANNEL, ...first, unfurl_links: false });
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);

    const claimed = card({ claimedBy: "U0ALICE" });
    await slack.chat.update({ channel: CHANNEL, ts: posted.ts ?? "", ...claimed });

    const history = await slack.conversations.history({
      channel: CHANNEL,
      include_all_metadata: true,
      limit: 10,
    });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]?.metadata).toEqual(first.metadata);
    expect(history.messages?.[0]?.blocks).toEqual(claimed.blocks);
    expect(fake.messages(CHANNEL)[0]?.updates).toBe(1);
    expect(fake.calls("chat.postMessage")[0]?.args).toMatchObject({
      channel: CHANNEL,
      unfurl_links: "false",
    });
  });

  it("answers message_not_found when updating a message that does not exist", async () => {
    expect(await slackError(client().chat.update({ channel: CHANNEL, ts: "1.000001", text: "x" }))).toBe(
      "message_not_found",
    );
  });

  it("returns history newest first, honours limit and oldest, and hides metadata unless asked", async () => {
    const slack = client();
    const ts: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await slack.chat.postMessage({ channel: CHANNEL, text: `m${n}`, metadata: card().metadata });
      ts.push(r.ts ?? "");
    }
    await slack.chat.postMessage({ channel: CHANNEL, text: "reply", thread_ts: ts[0] });

    const all = await slack.conversations.history({ channel: CHANNEL });
    expect(all.messages?.map((m) => m.text)).toEqual(["m3", "m2", "m1"]);
    expect(all.messages?.some((m) => m.metadata)).toBe(false);
    expect(all.messages?.[2]?.reply_count).toBe(1);

    const newest = await slack.conversations.history({ channel: CHANNEL, limit: 1 });
    expect(newest.messages?.map((m) => m.text)).toEqual(["m3"]);
    expect(newest.has_more).toBe(true);

    const after = await slack.conversations.history({ channel: CHANNEL, oldest: ts[0] });
    expect(after.messages?.map((m) => m.text)).toEqual(["m3", "m2"]);

    const thread = await slack.conversations.replies({ channel: CHANNEL, ts: ts[0] ?? "" });
    expect(thread.messages?.map((m) => m.text)).toEqual(["m1", "reply"]);
    expect(fake.threadReplies(CHANNEL, ts[0] ?? "").map((m) => m.text)).toEqual(["reply"]);
  });

  it("hands out unique, increasing ts values", async () => {
    const slack = client();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => slack.chat.postMessage({ channel: CHANNEL, text: `m${i}` })),
    );
    const values = results.map((r) => Number(r.ts));

    expect(new Set(values).size).toBe(20);
    expect([...values].sort((a, b) => a - b)).toEqual(fake.messages(CHANNEL).map((m) => Number(m.ts)));
  });

  it("serves ephemerals, permalinks, user groups and the Socket Mode URL", async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({ channel: CHANNEL, text: "hello" });
    await slack.chat.postEphemeral({
      channel: CHANNEL,
      user: "U0BOB",
      text: "Already claimed by <@U0ALICE>",
    });
    const link = await slack.chat.getPermalink({ channel: CHANNEL, message_ts: posted.ts ?? "" });
    fake.seedUsergroup("S0OPS", ["U0ALICE", "U0BOB"]);

    expect(fake.ephemerals(CHANNEL)).toMatchObject([
      { user: "U0BOB", text: "Already claimed by <@U0ALICE>" },
    ]);
    expect(link.permalink).toContain(`/archives/${CHANNEL}/p`);
    expect((await slack.usergroups.users.list({ usergroup: "S0OPS" })).users).toEqual(["U0ALICE", "U0BOB"]);
    expect(await slackError(slack.usergroups.users.list({ usergroup: "S0NOPE" }))).toBe("no_such_subteam");

    const app = client("xapp-1-test");
    expect(await slackError(app.apps.connections.open())).toBe("not_allowed");
    fake.setSocketModeUrl("ws://127.0.0.1:9/socket");
    expect((await app.apps.connections.open()).url).toBe("ws://127.0.0.1:9/socket");
    fake.setSocketModeUrl(undefined);
  });
});

describe("validation like Slack", () => {
  const tooMany = Array.from({ length: 51 }, (_, i) => section(`block ${i}`));
  const button = (text: string, value = "v") => ({
    type: "actions",
    elements: [{ type: "button", action_id: "peeker:card:claim", text: { type: "plain_text", text }, value }],
  });

  it.each([
    ["more than 50 blocks", tooMany],
    ["a section text over 3000 characters", [section("x".repeat(3001))]],
    [
      "a header over 150 characters",
      [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }],
    ],
    ["button text over 75 characters", [button("b".repeat(76))]],
    ["a button value over 2000 characters", [button("Claim", "v".repeat(2001))]],
    [
      "more than 10 section fields",
      [{ type: "section", fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f" })) }],
    ],
    [
      "more than 10 context elements",
      [{ type: "context", elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "c" })) }],
    ],
  ])("refuses %s with invalid_blocks", async (_what, blocks) => {
    const error = await slackError(
      client().chat.postMessage({ channel: CHANNEL, text: "t", blocks: blocks as never }),
    );

    expect(error).toBe("invalid_blocks");
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it("refuses a message with neither text nor blocks with no_text", async () => {
    expect(await slackError(client().chat.postMessage({ channel: CHANNEL } as never))).toBe("no_text");
  });

  it("refuses an update that breaks the limits and keeps the old message", async () => {
    const slack = client();
    const posted = await slack.chat.postMessage({ channel: CHANNEL, text: "ok" });

    expect(
      await slackError(
        slack.chat.update({ channel: CHANNEL, ts: posted.ts ?? "", text: "t", blocks: tooMany as never }),
      ),
    ).toBe("invalid_blocks");
    expect(fake.messages(CHANNEL)[0]?.text).toBe("ok");
  });

  it("checks modals: title and submit length, input blocks need submit, 100 blocks, private_metadata size", async () => {
    const slack = client();
    const input = {
      type: "input",
      block_id: "message",
      label: { type: "plain_text", text: "Message" },
      element: { type: "plain_text_input", action_id: "peeker:input:message" },
    };
    const modal = (extra: Record<string, unknown>) => ({
      type: "modal" as const,
      title: { type: "plain_text" as const, text: "Swap domain" },
      blocks: [section("hi")],
      ...extra,
    });
    const open = (view: unknown) =>
      slack.views.open({ trigger_id: `t-${Math.random()}`, view: view as never });

    expect(await slackError(open(modal({ title: { type: "plain_text", text: "T".repeat(25) } })))).toBe(
      "invalid_arguments",
    );
    expect(await slackError(open(modal({ submit: { type: "plain_text", text: "S".repeat(25) } })))).toBe(
      "invalid_arguments",
    );
    expect(await slackError(open(modal({ blocks: [input] })))).toBe("invalid_arguments");
    expect(await slackError(open(modal({ blocks: Array.from({ length: 101 }, () => section("b")) })))).toBe(
      "invalid_arguments",
    );
    expect(await slackError(open(modal({ private_metadata: "m".repeat(3001) })))).toBe("invalid_arguments");

    const opened = await open(modal({ blocks: [input], submit: { type: "plain_text", text: "Send" } }));
    expect(opened.view?.id).toMatch(/^V/);
  });

  it("lets a trigger open one modal, and refuses an expired one", async () => {
    const slack = client();
    const view = {
      type: "modal" as const,
      title: { type: "plain_text" as const, text: "Loading…" },
      blocks: [section("…")],
    };
    fake.expireTrigger("trig-old");

    expect(await slackError(slack.views.open({ trigger_id: "trig-old", view }))).toBe("expired_trigger_id");
    const opened = await slack.views.open({ trigger_id: "trig-new", view });
    expect(await slackError(slack.views.open({ trigger_id: "trig-new", view }))).toBe("exchanged_trigger_id");

    const updated = await slack.views.update({
      view_id: opened.view?.id ?? "",
      hash: opened.view?.hash ?? "",
      view,
    });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(
      await slackError(
        slack.views.update({ view_id: opened.view?.id ?? "", hash: opened.view?.hash ?? "", view }),
      ),
    ).toBe("hash_conflict");
    expect(fake.view(opened.view?.id ?? "")?.history).toHaveLength(2);
  });

  it("publishes a Home tab per user", async () => {
    await client().views.publish({ user_id: "U0ALICE", view: { type: "home", blocks: [section("Queue")] } });

    expect(fake.homeView("U0ALICE")?.view.blocks).toEqual([section("Queue")]);
  });
});

describe("fault injection", () => {
  it("rate-limits posts to one channel with 429 and Retry-After, leaving other channels alone", async () => {
    fake.rateLimit({ channel: CHANNEL, perSecond: 1, retryAfterSeconds: 1 });
    const slack = client();

    await slack.chat.postMessage({ channel: CHANNEL, text: "first" });
    const error = await slack.chat.postMessage({ channel: CHANNEL, text: "second" }).catch((e: unknown) => e);
    await slack.chat.postMessage({ channel: "C0OTHER", text: "elsewhere" });

    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as InstanceType<typeof WebAPIRateLimitedError>).retryAfter).toBe(1);
    expect(fake.calls("chat.postMessage").map((c) => c.status)).toEqual([200, 429, 200]);
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(["first"]);
    expect(fake.messages("C0OTHER")).toHaveLength(1);
  });

  it("sends the raw 429 with a Retry-After header and ratelimited body", async () => {
    fake.rateLimit({ channel: CHANNEL, perSecond: 1 });
    const post = () =>
      fetch(`${fake.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ channel: CHANNEL, text: "x" }),
      });

    expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });
  });

  it("accepts the post again once Retry-After has passed", async () => {
    let now = 1_772_442_900_000;
    const timed = await startSlackFake({ now: () => now });
    try {
      timed.rateLimit({ channel: CHANNEL, perSecond: 1 });
      const slack = new WebClient(TOKEN, {
        slackApiUrl: timed.apiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      await slack.chat.postMessage({ channel: CHANNEL, text: "1" });
      now += 500;
      await expect(slack.chat.postMessage({ channel: CHANNEL, text: "2" })).rejects.toBeInstanceOf(
        WebAPIRateLimitedError,
      );
      now += 1000;
      await expect(slack.chat.postMessage({ channel: CHANNEL, text: "2" })).resolves.toMatchObject({
        ok: true,
      });
    } finally {
      await timed.close();
    }
  });

  it("answers 5xx for a number of calls, then recovers", async () => {
    fake.failWith5xx({ calls: 2, status: 503 });
    const slack = client();

    for (let i = 0; i < 2; i++) {
      const error = await slack.chat.postMessage({ channel: CHANNEL, text: "x" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebAPIHTTPError);
      expect((error as InstanceType<typeof WebAPIHTTPError>).statusCode).toBe(503);
    }
    await expect(slack.chat.postMessage({ channel: CHANNEL, text: "x" })).resolves.toMatchObject({
      ok: true,
    });
    expect(fake.messages(CHANNEL)).toHaveLength(1);
  });

  it("answers 5xx for a window of time", async () => {
    let now = 1_772_442_900_000;
    const timed = await startSlackFake({ now: () => now });
    try {
      timed.failWith5xx({ forMs: 10_000 });
      const slack = new WebClient(TOKEN, {
        slackApiUrl: timed.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      await expect(slack.auth.test()).rejects.toBeInstanceOf(WebAPIHTTPError);
      now += 10_000;
      await expect(slack.auth.test()).resolves.toMatchObject({ ok: true });
    } finally {
      await timed.close();
    }
  });

  it("hangs a method so the client's timeout decides; an applied hang still posts the message", async () => {
    fake.hang({ method: "chat.postMessage", calls: 1 });
    const slack = client(TOKEN, { timeout: 200 });

    await expect(slack.chat.postMessage({ channel: CHANNEL, text: "lost" })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
    expect(fake.messages(CHANNEL)).toEqual([]);
    expect(fake.calls("chat.postMessage")[0]).toMatchObject({ outcome: "hung", status: undefined });

    fake.hang({ method: "chat.postMessage", calls: 1, applied: true });
    await expect(slack.chat.postMessage({ channel: CHANNEL, text: "posted" })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(["posted"]);
    await expect(slack.chat.postMessage({ channel: CHANNEL, text: "next" })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("can store a post and then reset the connection, so the outcome is unknown to the client", async () => {
    fake.resetAfterPost(1);
    const slack = client();
    const posted = card();

    await expect(slack.chat.postMessage({ channel: CHANNEL, ...posted })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
    expect(fake.calls("chat.postMessage")[0]?.outcome).toBe("reset");

    const history = await slack.conversations.history({ channel: CHANNEL, include_all_metadata: true });
    expect(history.messages?.map((m) => m.metadata?.event_payload)).toEqual([posted.metadata.event_payload]);
  });
});

describe("wire format and recording", () => {
  it("understands JSON bodies and answers unknown methods like Slack", async () => {
    const response = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: CHANNEL, text: "json", blocks: [section("json body")] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(fake.messages(CHANNEL)[0]?.blocks).toEqual([section("json body")]);

    const unknown = await fetch(`${fake.apiUrl}chat.teleport`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await unknown.json()).toEqual({ ok: false, error: "unknown_method" });
  });

  it("refuses calls without a token", async () => {
    const response = await fetch(`${fake.apiUrl}auth.test`, { method: "POST" });
    expect(await response.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("records every call with its parsed arguments, time and status, without the token in the arguments", async () => {
    const before = Date.now();
    await client().chat.postMessage({ channel: CHANNEL, text: "t", blocks: [section("b")] as never });
    const [call] = fake.calls("chat.postMessage");

    expect(call?.args.blocks).toEqual([section("b")]);
    expect(call?.args.token).toBeUndefined();
    expect(call?.token).toBe(TOKEN);
    expect(call?.status).toBe(200);
    expect(call?.at).toBeGreaterThanOrEqual(before);
    expect(call?.contentType).toBe("application/x-www-form-urlencoded");
    await expect(fake.waitForCall("chat.postMessage")).resolves.toBe(call);
  });

  it("records what is POSTed to a response_url", async () => {
    const url = fake.responseUrl("cmd-1");
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", text: "Order ord_1 is in progress" }),
    });

    expect(response.status).toBe(200);
    expect(fake.hookPosts("cmd-1")).toMatchObject([
      { body: { response_type: "ephemeral", text: "Order ord_1 is in progress" } },
    ]);

    fake.expireResponseUrl("cmd-1");
    expect((await fetch(url, { method: "POST", body: "{}" })).status).toBe(404);
  });

  it("seeds history as if another replica had posted a card", async () => {
    const seeded = card();
    const ts = fake.seedMessage(CHANNEL, {
      text: seeded.text,
      blocks: seeded.blocks,
      metadata: seeded.metadata,
    });
    const history = await client().conversations.history({ channel: CHANNEL, include_all_metadata: true });

    expect(history.messages?.[0]).toMatchObject({ ts, metadata: seeded.metadata });
  });
});
