import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnBot } from "../support/bot-process.js";
import { type Stack, startStack } from "../support/e2e.js";

/** `npm run doctor`: one line per check, ✗ for each problem, in words; non-zero exit on any problem. */
describe("npm run doctor", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ name: "doctor" });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const doctor = async (overrides: Record<string, string | undefined> = {}) => {
    const run = await spawnBot({ ...stack.env, ...overrides }, { command: "doctor", name: "doctor" });
    // A ceiling for a one-shot process started through tsx on a loaded machine, not a duration.
    const code = await run.waitExit(50_000);
    const output = run.output();
    for (const secret of [
      stack.env.SLACK_BOT_TOKEN,
      stack.env.PEEKER_API_KEY,
      stack.env.SLACK_SIGNING_SECRET,
    ]) {
      expect(output).not.toContain(secret);
    }
    return { code, output, problems: output.split("\n").filter((line) => line.startsWith("✗")) };
  };

  it("exits 0 when Slack, Peeker and the database all answer", async () => {
    const { code, output, problems } = await doctor();
    expect(problems).toEqual([]);
    expect(output).toContain("✓ Settings: every variable is valid");
    expect(output).toMatch(/✓ Slack: SLACK_BOT_TOKEN works: workspace Fake Team \(T0FAKE\)/);
    expect(output).toMatch(
      /✓ Peeker: PEEKER_API_KEY works: sandbox key of Acme Resellers \(org_\w+\), preset full\./,
    );
    expect(output).toMatch(/✓ Database: connected to postgres:\/\/.+ \(PostgreSQL \d+/);
    expect(output).toContain("All good.");
    expect(code).toBe(0);
  });

  it("names a wrong Slack token, a revoked Peeker key and an unreachable database in three lines, exit 1", async () => {
    stack.slack.markTokenInvalid("xoxb-wrong-token-123");
    stack.sim.control.addKey({ key: "pk_test_soon_revoked_123", preset: "full" });
    stack.sim.control.revokeKey("pk_test_soon_revoked_123");
    const { code, output, problems } = await doctor({
      SLACK_BOT_TOKEN: "xoxb-wrong-token-123",
      PEEKER_API_KEY: "pk_test_soon_revoked_123",
      DATABASE_URL: "postgres://peeker:secret-pw@127.0.0.1:1/peeker",
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^✗ Slack: Slack refused SLACK_BOT_TOKEN \(invalid_auth\): the token is wrong or was revoked/,
    );
    expect(problems[1]).toMatch(
      /^✗ Peeker: Peeker refused PEEKER_API_KEY \(401 unauthorized\).*: the key is wrong or was revoked/,
    );
    expect(problems[2]).toMatch(
      /^✗ Database: cannot connect to postgres:\/\/peeker:\*\*\*@127\.0\.0\.1:1\/peeker \(ECONNREFUSED\)/,
    );
    expect(output).not.toContain("secret-pw");
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).toContain("3 problems found.");
    expect(code).toBe(1);
  });

  it("lists every bad setting, one line each, without reaching anything", async () => {
    const { code, problems } = await doctor({ SLACK_CHANNEL_ID: "#support", PEEKER_API_KEY: "sk_nope" });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toContain("SLACK_CHANNEL_ID is malformed");
    expect(problems.join("\n")).toContain("PEEKER_API_KEY is malformed");
    expect(code).toBe(1);
  });
});
