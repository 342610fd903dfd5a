import { describe, expect, it } from "vitest";
import { reorderModal } from "../../src/bot/views/reorder-modal.js";
import { RULES, validateMessage, validateView } from "../support/slack-fake/index.js";

const REAL_ORDER_ID = "ord_01HZX0OR1A2B3C4D5E6F7G8H9J0K1L2M";

describe("the strict Slack fake", () => {
  it("accepts the Fix picture & reorder modal with an ordinary order id (Slack refused its option description)", () => {
    const view = reorderModal({
      pendingActionId: "9",
      orderId: REAL_ORDER_ID,
      failing: [{ index: 0, firstName: "Sam", lastName: "Lee", badUrl: "http://localhost/sam.jpg" }],
      askLogin: { email: false, password: false },
    });
    expect(validateView(view, "modal")).toBeUndefined();
  });

  it("refuses an option description over 75 characters with Slack's error code and message", () => {
    const long = "x".repeat(76);
    const refused = validateView(
      {
        type: "modal",
        title: { type: "plain_text", text: "T" },
        submit: { type: "plain_text", text: "Go" },
        blocks: [
          {
            type: "input",
            block_id: "b",
            label: { type: "plain_text", text: "L" },
            element: {
              type: "checkboxes",
              action_id: "a",
              options: [
                {
                  text: { type: "mrkdwn", text: "ok" },
                  value: "v",
                  description: { type: "plain_text", text: long },
                },
              ],
            },
          },
        ],
      },
      "modal",
    );
    expect(refused?.error).toBe("invalid_arguments");
    expect(refused?.response_metadata?.messages).toEqual([
      "[ERROR] must be less than 76 characters [json-pointer:/view/blocks/0/element/options/0/description/text]",
    ]);
  });

  it("refuses an initial_value longer than its input's max_length", () => {
    const refused = validateView(
      {
        type: "modal",
        title: { type: "plain_text", text: "T" },
        submit: { type: "plain_text", text: "Go" },
        blocks: [
          {
            type: "input",
            label: { type: "plain_text", text: "L" },
            element: { type: "plain_text_input", action_id: "a", max_length: 5, initial_value: "123456" },
          },
        ],
      },
      "modal",
    );
    expect(refused?.errors).toEqual([
      "must be at most max_length (5) characters [json-pointer:/view/blocks/0/element/initial_value]",
    ]);
  });

  it("refuses a modal title, submit or close over 24 characters and private_metadata over 3000", () => {
    const refused = validateView(
      {
        type: "modal",
        title: { type: "plain_text", text: "x".repeat(25) },
        close: { type: "plain_text", text: "y".repeat(25) },
        private_metadata: "z".repeat(3001),
        blocks: [],
      },
      "modal",
    );
    expect(refused?.errors).toEqual([
      "must be less than 3001 characters [json-pointer:/view/private_metadata]",
      "must be less than 25 characters [json-pointer:/view/title/text]",
      "must be less than 25 characters [json-pointer:/view/close/text]",
    ]);
  });

  it("answers msg_too_long, msg_blocks_too_long and invalid_blocks as Slack does", () => {
    expect(validateMessage({ text: "x".repeat(40_001) })?.error).toBe("msg_too_long");
    const big = Array.from({ length: 5 }, () => ({
      type: "section",
      text: { type: "mrkdwn", text: "y".repeat(2900) },
    }));
    expect(validateMessage({ text: "t", blocks: big })?.error).toBe("msg_blocks_too_long");
    const header = [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }];
    expect(validateMessage({ text: "t", blocks: header })).toMatchObject({
      error: "invalid_blocks",
      response_metadata: {
        messages: ["[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"],
      },
    });
    const ids = [
      { type: "divider", block_id: "same" },
      { type: "divider", block_id: "same" },
    ];
    expect(validateMessage({ text: "t", blocks: ids })?.errors).toEqual([
      "duplicate block_id [json-pointer:/blocks/1/block_id]",
    ]);
  });

  it("names the doc page of every rule", () => {
    for (const rule of Object.values(RULES)) expect(rule.source).toMatch(/^https:\/\//);
  });
});
