import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";

/** Log lines keep what helps (stack, causes) and lose what must never be written (secrets, request dumps). */

function capture(secrets: string[] = [], level = "trace") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split("\n")) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level, destination, secrets }), lines };
}

describe("logger", () => {
  it("logs an error with its type, stack and causes", () => {
    const { logger, lines } = capture();
    const root = new Error("connection refused");
    logger.error({ err: new Error("reconcile failed", { cause: root }) }, "scheduled job failed");
    const err = lines[0]?.err as { type: string; message: string; stack: string };
    expect(err.type).toBe("Error");
    expect(err.message).toBe("reconcile failed: connection refused");
    expect(err.stack).toContain("reconcile failed");
    expect(err.stack).toContain("caused by: Error: connection refused");
    expect(err.stack).toMatch(/logger\.test\.ts:\d+/);
  });

  it("keeps known fields of an error but never the request an HTTP library attached to it", () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error("An HTTP protocol error occurred: statusCode = 500"), {
      code: "slack_webapi_http_error",
      statusCode: 500,
      original: { config: { headers: { Authorization: "Bearer xoxb-111-secret-token" } } },
      headers: { authorization: "Bearer xoxb-111-secret-token" },
    });
    logger.warn({ err: error }, "card post failed");
    const text = JSON.stringify(lines[0]);
    expect(lines[0]?.err).toMatchObject({ code: "slack_webapi_http_error", statusCode: 500 });
    expect(text).not.toContain("secret-token");
    expect(text).not.toContain("original");
  });

  it("scrubs configured secrets, token shapes and password members from every string, at every level", () => {
    const { logger, lines } = capture(["odd-shaped-configured-secret"]);
    const envelope = JSON.stringify({
      payload: { view: { state: { values: { sequencer_password: { "a:b": { value: "hunter2-typed" } } } } } },
    });
    logger.trace(`Received a message on the WebSocket: ${envelope}`);
    logger.debug("token xoxb-1234-5678-abcdef and xapp-1-A0-xyz987 in a message");
    logger.info({ note: "kept" }, "key pk_live_abcdef1234 and odd-shaped-configured-secret");
    logger.error(new Error("whsec_rotated_secret_value rejected"));
    const text = JSON.stringify(lines);
    for (const secret of [
      "hunter2-typed",
      "xoxb-1234",
      "xapp-1-A0",
      "pk_live_abc",
      "odd-shaped",
      "whsec_rot",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines).toHaveLength(4);
    expect(String(lines[0]?.msg)).toContain('"sequencer_password":"[redacted]"');
    expect(lines[2]?.note).toBe("kept");
  });
});
