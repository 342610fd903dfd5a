import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACTION_IDS,
  BLOCK_IDS,
  INPUT_ACTION_IDS,
  pictureUrlBlockId,
  VIEW_CALLBACK_IDS,
} from "../../src/bot/action-ids.js";
import { CANARY_SECRETS } from "../support/canaries.js";
import { CHANNEL, type Stack, startStack, waitFor } from "../support/e2e.js";
import { checkboxes, email, OPERATOR, openCard, openedForm, text, url } from "../support/interactions.js";
import { type PictureHost, startPictureHost } from "../support/picture-host.js";
import { buildBlockActions, buildViewSubmission, nextTriggerId } from "../support/slack-signing.js";

/**
 * Secrets stay out of logs at every level (design §6). At LOG_LEVEL=debug and trace, in Socket Mode, the Slack
 * library logs every envelope it receives as a plain string — a sequencer password typed into the reorder modal
 * included — and Bolt logs each request body. A bot at each level opens the reorder modal and submits it with a
 * canary password over the socket; its log must show the raw payload lines (so the level really was on) and
 * no canary at all.
 */

const APP_TOKEN = "xapp-1-A0FAKE-canary-debug-app-token";
const GOOD_URL = "https://cdn.pics.test/debug-new.png";

describe("no secret in the logs at debug and trace", () => {
  let stack: Stack;
  let pictures: PictureHost;
  let seq = 0;

  beforeAll(async () => {
    pictures = await startPictureHost();
    // No configured login: the reorder modal asks for the sequencer password, which then travels in the payload.
    stack = await startStack({
      name: "debug-log-secrets",
      script: "test/support/bot-fake-network.ts",
      env: { ...pictures.env(), PEEKER_SEQUENCER_LOGIN_EMAIL: "", PEEKER_SEQUENCER_LOGIN_PASSWORD: "" },
    });
    stack.slack.enableSocketMode();
  });
  afterAll(async () => {
    await stack?.stop();
    await pictures?.close();
  });

  for (const level of ["debug", "trace"] as const) {
    it(`keeps a typed password and every token out of a ${level}-level Socket Mode log`, async () => {
      const typedPassword = `canary-sequencer-password-typed-${level}`;
      const bot = await stack.startBot(
        { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: "", LOG_LEVEL: level },
        `debug-secrets-${level}`,
      );
      await stack.slack.waitForSocket();

      seq++;
      const seeded = stack.sim.control.seedOrder({
        status: "action_required",
        email: `debug-${seq}@acme.com`,
        domains: [`debug-secrets-${seq}.com`],
        forwarding_url: "https://acme.com",
        personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "http://localhost/p.jpg" }],
      });
      const { row } = await openCard(
        stack,
        { type: "order.action_required", data: { id: seeded.order.id, status: "action_required" } },
        `profile_picture_not_accessible:${seeded.order.id}`,
      );
      const triggerId = nextTriggerId();
      await stack.slack.sendEnvelope(
        "interactive",
        buildBlockActions({
          actionId: ACTION_IDS.reorderOpen,
          value: row.id,
          userId: OPERATOR,
          channelId: CHANNEL,
          triggerId,
        }),
      );
      const form = await openedForm(stack, triggerId, VIEW_CALLBACK_IDS.reorderSubmit);
      expect(JSON.stringify(form.view)).toContain("Sequencer login password");
      await stack.slack.sendEnvelope(
        "interactive",
        buildViewSubmission({
          callbackId: String(form.view.callback_id),
          privateMetadata: String(form.view.private_metadata ?? ""),
          viewId: form.id,
          hash: form.hash,
          userId: OPERATOR,
          values: {
            [pictureUrlBlockId(0)]: { [INPUT_ACTION_IDS.pictureUrl]: url(GOOD_URL) },
            [BLOCK_IDS.cancelOriginal]: { [INPUT_ACTION_IDS.cancelOriginal]: checkboxes([]) },
            [BLOCK_IDS.sequencerEmail]: {
              [INPUT_ACTION_IDS.sequencerEmail]: email("typed-login@partner.example"),
            },
            [BLOCK_IDS.sequencerPassword]: { [INPUT_ACTION_IDS.sequencerPassword]: text(typedPassword) },
          },
        }),
        10_000,
      );
      // The corrected order reached Peeker with the typed password: the whole flow ran at this level.
      await waitFor(
        () =>
          stack.sim.control
            .requests({ method: "POST", route: "/orders" })
            .some((r) => JSON.stringify(r.body).includes(typedPassword)),
        { what: "the corrected order placed with the typed password" },
      );
      bot.kill("SIGTERM");
      expect(await bot.waitExit()).toBe(0);

      const log = readFileSync(bot.logFile, "utf8");
      // The level was really on: the socket client's raw envelope lines are there, scrubbed.
      expect(log).toContain("Received a message on the WebSocket");
      expect(log).toContain(`\\"${BLOCK_IDS.sequencerPassword}\\":\\"[redacted]\\"`);
      for (const secret of [...CANARY_SECRETS, typedPassword, APP_TOKEN]) {
        expect(log.includes(secret), `${bot.logFile} contains ${secret.slice(0, 12)}…`).toBe(false);
      }
    });
  }
});
