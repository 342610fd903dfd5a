import { describe, expect, it } from "vitest";
import { createOperatorCheck } from "../../src/pending/permissions.js";

/** SLACK_OPERATORS (design §3, §7): users and user groups, groups expanded once and cached. */
describe("operator check", () => {
  it("lets everyone act when SLACK_OPERATORS is unset", async () => {
    const isOperator = createOperatorCheck({
      operators: [],
      listGroupMembers: async () => {
        throw new Error("must not be called");
      },
      now: () => 0,
    });
    await expect(isOperator("U0ANYONE")).resolves.toBe(true);
  });

  it("accepts listed users and members of listed groups, refuses everyone else", async () => {
    const calls: string[] = [];
    const isOperator = createOperatorCheck({
      operators: ["U0ALICE01", "S0SUPPORT1"],
      listGroupMembers: async (group) => {
        calls.push(group);
        return ["U0BOB0001"];
      },
      now: () => 0,
    });
    await expect(isOperator("U0ALICE01")).resolves.toBe(true);
    await expect(isOperator("U0BOB0001")).resolves.toBe(true);
    await expect(isOperator("U0MALLORY")).resolves.toBe(false);
    expect(calls).toEqual(["S0SUPPORT1"]);
  });

  it("expands a group once per cache period, shares one request between concurrent checks, and keeps the last good answer when Slack fails", async () => {
    let now = 0;
    let fail = false;
    let calls = 0;
    let members = ["U0BOB0001"];
    const isOperator = createOperatorCheck({
      operators: ["S0SUPPORT1"],
      listGroupMembers: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error("slack down");
        return members;
      },
      now: () => now,
      cacheMs: 1000,
    });
    await Promise.all([isOperator("U0BOB0001"), isOperator("U0BOB0001"), isOperator("U0CAROL01")]);
    expect(calls).toBe(1);
    now = 500;
    await isOperator("U0BOB0001");
    expect(calls).toBe(1);

    // After the cache period the group is asked again and changes are seen.
    now = 1500;
    members = ["U0CAROL01"];
    await expect(isOperator("U0CAROL01")).resolves.toBe(true);
    await expect(isOperator("U0BOB0001")).resolves.toBe(false);
    expect(calls).toBe(2);

    // Slack fails: the last good expansion still answers.
    now = 3000;
    fail = true;
    await expect(isOperator("U0CAROL01")).resolves.toBe(true);
  });
});
