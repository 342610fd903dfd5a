import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { ownRoutesFirst } from "../../src/bot/own-routes.js";

const request = (method: string, url: string) => ({ method, url }) as IncomingMessage;
const response = {} as ServerResponse;

describe("ownRoutesFirst", () => {
  const calls: string[] = [];
  const listener = ownRoutesFirst(
    [
      { method: "POST", path: "/peeker/webhooks", handler: () => calls.push("webhook") },
      { method: "GET", path: "/healthz", handler: () => calls.push("healthz") },
    ],
    (req) => calls.push(`bolt ${req.method} ${req.url}`),
  );

  it("sends a request naming one of our routes exactly to it, query string or not", () => {
    calls.length = 0;
    listener(request("POST", "/peeker/webhooks"), response);
    listener(request("POST", "/peeker/webhooks?attempt=2"), response);
    listener(request("GET", "/healthz"), response);
    expect(calls).toEqual(["webhook", "webhook", "healthz"]);
  });

  it("leaves everything else to Bolt: its endpoint, another method, a trailing slash, another case", () => {
    calls.length = 0;
    for (const [method, url] of [
      ["POST", "/slack/events"],
      ["GET", "/peeker/webhooks"],
      ["POST", "/peeker/webhooks/"],
      ["POST", "/Peeker/Webhooks"],
      ["GET", "/nowhere"],
    ] as const) {
      listener(request(method, url), response);
    }
    expect(calls).toEqual([
      "bolt POST /slack/events",
      "bolt GET /peeker/webhooks",
      "bolt POST /peeker/webhooks/",
      "bolt POST /Peeker/Webhooks",
      "bolt GET /nowhere",
    ]);
  });
});
