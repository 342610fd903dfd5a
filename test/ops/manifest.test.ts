import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { manifestFromArgs } from "../../src/ops/manifest.js";
import { REPO_ROOT } from "../support/bot-process.js";

// The manifest is plain JSON; the tests walk it without restating its whole type.
// biome-ignore lint/suspicious/noExplicitAny: a JSON document read by tests
type Json = any;

describe("the Slack app manifest", () => {
  it("points the command, events and interactivity at /slack/events, with should_escape and the Home tab", () => {
    const result = manifestFromArgs(["https://bot.example.com/"]);
    if (!("manifest" in result)) throw new Error(result.error);
    const m = result.manifest as Json;
    expect(m.features.slash_commands).toEqual([
      expect.objectContaining({
        command: "/peeker",
        url: "https://bot.example.com/slack/events",
        should_escape: true,
      }),
    ]);
    expect(m.features.app_home.home_tab_enabled).toBe(true);
    expect(m.settings.event_subscriptions).toEqual({
      request_url: "https://bot.example.com/slack/events",
      bot_events: ["app_home_opened"],
    });
    expect(m.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: "https://bot.example.com/slack/events",
    });
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(m.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        "chat:write",
        "chat:write.public",
        "commands",
        "channels:history",
        "usergroups:read",
      ]),
    );
  });

  it("drops every URL in the Socket Mode variant", () => {
    const result = manifestFromArgs(["--socket"]);
    if (!("manifest" in result)) throw new Error(result.error);
    const text = JSON.stringify(result.manifest);
    expect(text).not.toContain("request_url");
    expect(text).not.toContain('"url"');
    expect((result.manifest as Json).settings.socket_mode_enabled).toBe(true);
  });

  it("refuses a missing or non-https URL in words", () => {
    expect(manifestFromArgs([])).toEqual({ error: expect.stringContaining("Give the bot's public URL") });
    expect(manifestFromArgs(["http://bot.example.com"])).toEqual({
      error: expect.stringContaining("https://"),
    });
    expect(manifestFromArgs(["not a url"])).toEqual({ error: expect.stringContaining("is not a URL") });
  });

  it("is printed as JSON by `npm run manifest -- <url>`", () => {
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "src/main.ts", "manifest", "https://bot.example.com"],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH },
      },
    ).toString();
    expect(JSON.parse(out).display_information.name).toBe("Peeker");
  });
});
