import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { botEnv } from "./support/bot-process.js";

/** INTENT_SWEEP_SECONDS (review item 4): the intent sweeper's own period on every replica, validated. */
describe("INTENT_SWEEP_SECONDS", () => {
  it("defaults to 30 s and takes 1 to 300", () => {
    expect(loadConfig(botEnv()).intentSweepSeconds).toBe(30);
    expect(loadConfig(botEnv({ INTENT_SWEEP_SECONDS: "1" })).intentSweepSeconds).toBe(1);
    expect(loadConfig(botEnv({ INTENT_SWEEP_SECONDS: "300" })).intentSweepSeconds).toBe(300);
  });

  it.each(["0", "301", "30s"])("refuses %s in words", (value) => {
    let error: unknown;
    try {
      loadConfig(botEnv({ INTENT_SWEEP_SECONDS: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `INTENT_SWEEP_SECONDS must be a whole number from 1 to 300 (got "${value}").`,
    ]);
  });
});
