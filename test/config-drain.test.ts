import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";
import { botEnv } from "./support/bot-process.js";

/** SHUTDOWN_DRAIN_SECONDS (issue #10 item 7): how long SIGTERM waits for interactive work, validated. */
describe("SHUTDOWN_DRAIN_SECONDS", () => {
  it("defaults to 15 s and takes 0 to 120", () => {
    expect(loadConfig(botEnv()).shutdownDrainSeconds).toBe(15);
    expect(loadConfig(botEnv({ SHUTDOWN_DRAIN_SECONDS: "0" })).shutdownDrainSeconds).toBe(0);
    expect(loadConfig(botEnv({ SHUTDOWN_DRAIN_SECONDS: "120" })).shutdownDrainSeconds).toBe(120);
  });

  it.each(["121", "-1", "10s", "1.5"])("refuses %s in words", (value) => {
    let error: unknown;
    try {
      loadConfig(botEnv({ SHUTDOWN_DRAIN_SECONDS: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `SHUTDOWN_DRAIN_SECONDS must be a whole number from 0 to 120 (got "${value}").`,
    ]);
  });
});
