import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, secretsOf } from "../src/config.js";

const valid = {
  SLACK_BOT_TOKEN: "xoxb-111-222-abc",
  SLACK_SIGNING_SECRET: "signing-secret-value",
  SLACK_CHANNEL_ID: "C0123456789",
  PEEKER_API_KEY: "pk_test_abc123",
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("names every missing required variable in one message", () => {
    let message = "";
    try {
      loadConfig({});
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CHANNEL_ID", "PEEKER_API_KEY"]) {
      expect(message).toContain(name);
    }
    expect(message).toContain("4 settings are missing or invalid");
  });

  it("applies the documented defaults", () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.slack.apiUrl).toBe("https://slack.com/api/");
    expect(config.peeker.apiUrl).toBe("https://api.peeker.ai/partner/v1");
    expect(config.peeker.webhookToleranceSeconds).toBe(300);
    expect(config.peeker.webhookSecrets).toEqual([]);
    expect(config.reconcileCron).toBe("*/5 * * * *");
    expect(config.digestCron).toBe("0 9 * * 1-5");
    expect(config.digestTimezone).toBe("UTC");
    expect(config.slaMinutes).toEqual({
      update_nameservers: 1440,
      replace_domain: 240,
      profile_picture_not_accessible: 240,
      default: 240,
    });
    expect(config.cardBacklogLimit).toBe(100);
    expect(config.dataDir).toBe("./.data");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.peeker.sandbox).toBe(true);
    expect(config.peeker.interactiveDeadlineMs).toBe(2500);
    expect(config.slack.answerWindowMs).toBe(2200);
  });

  it("reads the interactive deadline and the answer window, refusing what is not a whole number of ms in range", () => {
    const config = loadConfig({
      ...valid,
      PEEKER_INTERACTIVE_DEADLINE_MS: "20000",
      SLACK_ANSWER_WINDOW_MS: "25000",
    });
    expect(config.peeker.interactiveDeadlineMs).toBe(20_000);
    expect(config.slack.answerWindowMs).toBe(25_000);
    expect(
      problemsOf({ ...valid, PEEKER_INTERACTIVE_DEADLINE_MS: "2.5s", SLACK_ANSWER_WINDOW_MS: "0" }),
    ).toEqual([
      'SLACK_ANSWER_WINDOW_MS must be a whole number from 100 to 60000 (got "0").',
      'PEEKER_INTERACTIVE_DEADLINE_MS must be a whole number from 100 to 60000 (got "2.5s").',
    ]);
  });

  it("returns a frozen object", () => {
    const config = loadConfig(valid);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.slack)).toBe(true);
    expect(Object.isFrozen(config.slack.operators)).toBe(true);
  });

  it.each([
    ["SLACK_BOT_TOKEN", "xoxp-user-token", "xoxb-"],
    ["SLACK_APP_TOKEN", "abc", "xapp-"],
    ["SLACK_CHANNEL_ID", "#support", "channel id"],
    ["SLACK_OPERATORS", "U0123456,bob", "SLACK_OPERATORS"],
    ["SLACK_API_URL", "ftp://slack", "http(s) URL"],
    ["PEEKER_API_KEY", "sk_live_123", "pk_test_"],
    ["PEEKER_API_URL", "not a url", "http(s) URL"],
    ["PEEKER_WEBHOOK_TOLERANCE_SECONDS", "5m", "whole number"],
    ["PEEKER_SEQUENCER_LOGIN_EMAIL", "nobody", "email"],
    ["DATABASE_URL", "mysql://x", "postgres://"],
    ["PORT", "70000", "whole number"],
    ["PORT", "-1", "whole number"],
    ["RECONCILE_CRON", "every five minutes", "cron expression"],
    ["DIGEST_CRON", "61 9 * * *", "cron expression"],
    ["DIGEST_TIMEZONE", "Mars/Olympus", "IANA time zone"],
    ["SLA_MINUTES", "update_nameservers=soon", "reason=minutes"],
    ["CARD_BACKLOG_LIMIT", "0", "whole number"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL"],
  ])("rejects a malformed %s (%s) with a hint", (name, value, hint) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).toContain(hint);
  });

  it("never echoes a malformed secret back", () => {
    const problems = problemsOf({ ...valid, PEEKER_API_KEY: "sk_live_very_secret_value_123" });
    expect(problems.join("\n")).not.toContain("very_secret");
  });

  it("switches schedules off with `off`", () => {
    const config = loadConfig({ ...valid, RECONCILE_CRON: "off", DIGEST_CRON: "OFF" });
    expect(config.reconcileCron).toBeUndefined();
    expect(config.digestCron).toBeUndefined();
  });

  it("accepts a cron expression with a seconds field", () => {
    expect(loadConfig({ ...valid, RECONCILE_CRON: "*/2 * * * * *" }).reconcileCron).toBe("*/2 * * * * *");
  });

  it("runs poll-only without a webhook secret and accepts several secrets for rotation", () => {
    expect(loadConfig(valid).peeker.webhookSecrets).toEqual([]);
    expect(loadConfig({ ...valid, PEEKER_WEBHOOK_SECRET: "whsec_a, whsec_b" }).peeker.webhookSecrets).toEqual(
      ["whsec_a", "whsec_b"],
    );
  });

  it("uses Socket Mode with an app token and then needs no signing secret", () => {
    const config = loadConfig({
      ...valid,
      SLACK_SIGNING_SECRET: undefined,
      SLACK_APP_TOKEN: "xapp-1-A1-abc",
    });
    expect(config.slack.appToken).toBe("xapp-1-A1-abc");
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it("parses operators, SLA overrides and a live key", () => {
    const config = loadConfig({
      ...valid,
      PEEKER_API_KEY: "pk_live_xyz",
      SLACK_OPERATORS: "U0123456, S0ABCDEFG",
      SLA_MINUTES: "replace_domain=60,default=30",
    });
    expect(config.slack.operators).toEqual(["U0123456", "S0ABCDEFG"]);
    expect(config.slaMinutes).toEqual({ default: 30, replace_domain: 60 });
    expect(config.peeker.sandbox).toBe(false);
  });

  it("lists every secret for the log check", () => {
    const config = loadConfig({
      ...valid,
      PEEKER_WEBHOOK_SECRET: "whsec_a",
      PEEKER_SEQUENCER_LOGIN_PASSWORD: "pw",
    });
    expect(secretsOf(config).sort()).toEqual(
      ["xoxb-111-222-abc", "signing-secret-value", "pk_test_abc123", "whsec_a", "pw"].sort(),
    );
  });
});
