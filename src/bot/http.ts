import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";

/** Helpers for Bolt custom routes, which receive the raw, unread Node request. */

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/**
 * Reads the raw body, refusing more than `limit` bytes without buffering them (the cap comes before HMAC).
 * Plain stream events rather than `for await`: the async iterator costs a promise per chunk and measurable time per
 * webhook under load (bench/README.md, "Intake profile"). Like the iterator, it destroys the request when it gives up.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.removeListener("data", onData);
      req.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.once("error", fail);
    // A client gone before the end: without this the promise would never settle. "close" also follows every "end":
    // the error (and its stack) is only made when it is needed.
    req.once("close", () => {
      if (!settled) fail(new Error("request closed before its body ended"));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain",
): void {
  res.writeHead(status, {
    "content-type": `${contentType}; charset=utf-8`,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Bolt does not catch a rejected promise from a custom route (design §10): catch it here so a bug answers
 * 500 in words instead of an unhandled rejection.
 */
export function safeRoute(
  handler: RouteHandler,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((error: unknown) => {
      logger.error({ err: { message: (error as Error)?.message }, path: req.url }, "route failed");
      sendJson(res, 500, { error: "internal error; see the bot's logs" });
    });
  };
}
