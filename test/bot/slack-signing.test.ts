import type { AddressInfo } from "node:net";
import { App, isValidSlackRequest, LogLevel } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_IDS, BLOCK_IDS, INPUT_ACTION_IDS, VIEW_CALLBACK_IDS } from "../../src/bot/action-ids.js";
import { type SlackFake, startSlackFake } from "../support/slack-fake/index.js";
import {
  buildAppHomeOpened,
  buildBlockActions,
  buildViewSubmission,
  eventBody,
  FORM_CONTENT_TYPE,
  inputValue,
  interactionBody,
  postSigned,
  postToBot,
  signedHeaders,
  slashCommandBody,
} from "../support/slack-signing.js";

const SECRET = "test-signing-secret";
const TOKEN = "xoxb-test-token";

describe("signatures", () => {
  it("match what Bolt verifies", () => {
    const { body } = slashCommandBody({ text: "order ord_1" });
    const headers = signedHeaders(SECRET, body);
    const verify = (secret: string) =>
      isValidSlackRequest({
        signingSecret: secret,
        body,
        headers: {
          "x-slack-signature": headers["X-Slack-Signature"] ?? "",
          "x-slack-request-timestamp": Number(headers["X-Slack-Request-Timestamp"]),
        },
      });

    expect(verify(SECRET)).toBe(true);
    expect(verify("another-secret")).toBe(false);
  });
});

/** The helpers drive a real Bolt app whose Web API is the fake, the way the bot's own tests will. */
describe("signed requests through a real Bolt app and the fake", () => {
  let fake: SlackFake;
  let app: App;
  let url: string;

  beforeAll(async () => {
    fake = await startSlackFake();
    app = new App({
      token: TOKEN,
      signingSecret: SECRET,
      clientOptions: { slackApiUrl: fake.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command("/peeker", async ({ ack, respond, command }) => {
      await ack();
      await respond({ response_type: "ephemeral", text: `You asked: ${command.text}` });
    });
    app.action(ACTION_IDS.cardClaim, async ({ ack, body, client, action }) => {
      await ack();
      const value = "value" in action ? action.value : undefined;
      await client.chat.postEphemeral({ channel: "C0SUPPORT", user: body.user.id, text: `Claimed ${value}` });
    });
    app.view(VIEW_CALLBACK_IDS.swapSubmit, async ({ ack, view }) => {
      const domain =
        view.state.values[BLOCK_IDS.replacementDomain]?.[INPUT_ACTION_IDS.replacementDomain]?.value;
      await ack({
        response_action: "errors",
        errors: { [BLOCK_IDS.replacementDomain]: `${domain} is taken` },
      });
    });
    app.event("app_home_opened", async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "Queue" } }] },
      });
    });
    const server = (await app.start({ port: 0, host: "127.0.0.1" })) as unknown as { address(): AddressInfo };
    url = `http://127.0.0.1:${server.address().port}/slack/events`;
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it("a slash command is accepted and answered through its response_url", async () => {
    const response = await postSigned(
      url,
      slashCommandBody({ text: "order ord_1", response_url: fake.responseUrl("c1") }),
      SECRET,
    );

    expect(response.status).toBe(200);
    await expect
      .poll(() => fake.hookPosts("c1").map((h) => h.body))
      .toEqual([{ response_type: "ephemeral", text: "You asked: order ord_1" }]);
  });

  it("a wrong signature or a stale timestamp is refused", async () => {
    const { body } = slashCommandBody();

    expect((await postToBot(url, body, FORM_CONTENT_TYPE, "wrong-secret")).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    expect((await postToBot(url, body, FORM_CONTENT_TYPE, SECRET, { timestamp: stale })).status).toBe(401);
  });

  it("a block_actions press reaches the action listener with its value", async () => {
    const payload = buildBlockActions({ actionId: ACTION_IDS.cardClaim, value: "pa_1", userId: "U0ALICE" });

    expect((await postSigned(url, interactionBody(payload), SECRET)).status).toBe(200);
    await expect.poll(() => fake.ephemerals().map((e) => e.text)).toEqual(["Claimed pa_1"]);
  });

  it("a view_submission gets the listener's field errors back in the HTTP answer", async () => {
    const payload = buildViewSubmission({
      callbackId: VIEW_CALLBACK_IDS.swapSubmit,
      values: {
        [BLOCK_IDS.replacementDomain]: { [INPUT_ACTION_IDS.replacementDomain]: inputValue.text("taken.com") },
      },
    });
    const response = await postSigned(url, interactionBody(payload), SECRET);

    expect(response.json).toEqual({
      response_action: "errors",
      errors: { [BLOCK_IDS.replacementDomain]: "taken.com is taken" },
    });
  });

  it("an app_home_opened event publishes the Home tab", async () => {
    const response = await postSigned(url, eventBody(buildAppHomeOpened({ user: "U0BOB" })), SECRET);

    expect(response.status).toBe(200);
    await expect.poll(() => fake.homeView("U0BOB")?.view.type).toBe("home");
  });
});
