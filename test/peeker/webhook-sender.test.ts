import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.js";
import {
  DEFAULT_MAX_WEBHOOK_BODY_BYTES,
  parseWebhookEvent,
  verifyWebhook,
  type WebhookEvent,
} from "../../src/peeker/webhooks.js";
import { buildEvent, permutations, shuffle, signDelivery, WebhookSender } from "../support/webhook-sender.js";

const SECRET = "whsec_sender_test";
const NOW_MS = 1_750_000_000_000;
// One pinned clock for sender and receiver, so boundary cases cannot straddle a second.
const clock: Clock = { now: () => new Date(NOW_MS) };

interface Receiver {
  url: string;
  accepted: WebhookEvent[];
  /** Answer 503 to this many requests before verifying anything. */
  failNext: number;
  close(): Promise<void>;
}

/** Reads at most cap + 1 bytes and drains the rest, so an oversized body is answered 413 without a reset. */
async function readCapped(req: IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size > cap) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, cap + 1);
}

/** The route's answers from design §3 "Webhook answers", minus the database. */
async function startReceiver(): Promise<Receiver> {
  const receiver = { accepted: [] as WebhookEvent[], failNext: 0 };
  const server: Server = createServer(async (req, res) => {
    const answer = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const rawBody = await readCapped(req, DEFAULT_MAX_WEBHOOK_BODY_BYTES);
    if (receiver.failNext > 0) {
      receiver.failNext -= 1;
      answer(503, { error: "database unavailable" });
      return;
    }
    const verdict = verifyWebhook({
      headers: req.headers,
      rawBody,
      secrets: [SECRET],
      toleranceSeconds: 300,
      nowSeconds: clock.now().getTime() / 1000,
    });
    if (!verdict.ok) return answer(verdict.status, { error: verdict.reason });
    const parsed = parseWebhookEvent(rawBody);
    if (!parsed.ok) return answer(400, { error: parsed.reason });
    receiver.accepted.push(parsed.event);
    answer(200, { ok: true });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/peeker/webhooks`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}

let receiver: Receiver;
let sender: WebhookSender;

beforeAll(async () => {
  receiver = await startReceiver();
  sender = new WebhookSender({ url: receiver.url, secrets: [SECRET], clock });
});

afterAll(async () => {
  await receiver.close();
});

beforeEach(() => {
  receiver.accepted.length = 0;
  receiver.failNext = 0;
});

const orderEvent = (shape: "flat" | "nested", id = "ord_1") =>
  buildEvent({ type: "order.action_required", data: { id, status: "action_required" } }, { shape });

describe("buildEvent and signDelivery", () => {
  it("builds the flat shape with the resource as data", () => {
    const event = buildEvent({ type: "swap.created", data: { id: "swp_1" }, id: "evt_x", createdAt: "t" });
    expect(event).toEqual({ id: "evt_x", type: "swap.created", created_at: "t", data: { id: "swp_1" } });
  });

  it("builds the nested shape under the family key", () => {
    const event = buildEvent({ type: "domain_import.completed", data: { id: "imp_1" } }, { shape: "nested" });
    expect(event.data).toEqual({ domain_import: { id: "imp_1" } });
    expect(event.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it("refuses to nest a type without a family", () => {
    expect(() => buildEvent({ type: "bundle.updated", data: {} }, { shape: "nested" })).toThrow(/family/);
  });

  it("signs a delivery that the verifier accepts", () => {
    const body = JSON.stringify(orderEvent("flat"));
    const headers = signDelivery(body, { secret: SECRET, timestamp: 1_750_000_000, eventId: "evt_1" });
    const verdict = verifyWebhook({
      headers,
      rawBody: Buffer.from(body),
      secrets: [SECRET],
      toleranceSeconds: 300,
      nowSeconds: 1_750_000_000,
    });
    expect(verdict).toEqual({ ok: true, eventId: "evt_1", timestamp: 1_750_000_000 });
  });
});

describe("WebhookSender → verifier over HTTP", () => {
  it("delivers a flat event that is accepted and parsed", async () => {
    const event = orderEvent("flat");
    expect(await sender.send(event)).toMatchObject({ status: 200, attempts: 1 });
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]).toMatchObject({ id: event.id, family: "order", resourceId: "ord_1" });
  });

  it("delivers a nested event that is accepted and parsed", async () => {
    const event = buildEvent({ type: "swap.action_required", data: { id: "swp_1" } }, { shape: "nested" });
    expect((await sender.send(event)).status).toBe(200);
    expect(receiver.accepted[0]).toMatchObject({ family: "swap", resourceId: "swp_1" });
  });

  it("gets 200 for every duplicate: the verifier is stateless and dedupe belongs to the database", async () => {
    const event = orderEvent("flat");
    const result = await sender.send(event, { duplicate: 4 });
    expect(result.deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(receiver.accepted.map((accepted) => accepted.id))).toEqual(new Set([event.id]));
    expect(receiver.accepted).toHaveLength(5);
  });

  it("is accepted exactly at the tolerance and rejected 401 one second past it, in both directions", async () => {
    const event = orderEvent("flat");
    expect((await sender.send(event, { timestampOffsetSeconds: -300 })).status).toBe(200);
    expect((await sender.send(event, { timestampOffsetSeconds: 300 })).status).toBe(200);
    const stale = await sender.send(event, { timestampOffsetSeconds: -301 });
    const future = await sender.send(event, { timestampOffsetSeconds: 301 });
    expect([stale.status, future.status]).toEqual([401, 401]);
    expect(JSON.parse(stale.body)).toEqual({ error: expect.stringMatching(/older/) });
  });

  it("is rejected 401 when signed with the wrong secret, and the answer never echoes the secret", async () => {
    const result = await sender.send(orderEvent("flat"), { wrongSecret: true });
    expect(result.status).toBe(401);
    expect(result.body).not.toContain(SECRET);
  });

  it("is rejected 400 when a header is missing", async () => {
    const result = await sender.send(orderEvent("flat"), {
      headerOverrides: { "Peeker-Event-Id": undefined },
    });
    expect(result.status).toBe(400);
  });

  it("is rejected 400 when a validly signed body is not a JSON object", async () => {
    const result = await sender.send(orderEvent("flat"), { rawBodyOverride: "[1,2,3]" });
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toEqual({ error: "body is not a JSON object" });
  });

  it("is rejected 413 when the body is over 256 KiB", async () => {
    const result = await sender.send(orderEvent("flat"), { rawBodyOverride: " ".repeat(300 * 1024) });
    expect(result.status).toBe(413);
  });

  it("retries non-2xx answers like Peeker: two 503s, then 200 on the third attempt", async () => {
    receiver.failNext = 2;
    const result = await sender.send(orderEvent("flat"), { retryOnNon2xx: { attempts: 5, delayMs: 5 } });
    expect(result).toMatchObject({ status: 200, attempts: 3 });
    expect(receiver.accepted).toHaveLength(1);
  });

  it("gives up after the allowed attempts and reports the last answer", async () => {
    receiver.failNext = 5;
    const result = await sender.send(orderEvent("flat"), { retryOnNon2xx: { attempts: 2, delayMs: 1 } });
    expect(result).toMatchObject({ status: 503, attempts: 2 });
  });

  it("does not retry a 4xx unless asked", async () => {
    expect(await sender.send(orderEvent("flat"), { wrongSecret: true })).toMatchObject({
      status: 401,
      attempts: 1,
    });
  });
});

describe("sendMany and arrival orders", () => {
  const events = ["a", "b", "c"].map((suffix) =>
    buildEvent({ type: "order.in_progress", data: { id: `ord_${suffix}` }, id: `evt_${suffix}` }),
  );

  it("delivers in the given explicit order", async () => {
    const results = await sender.sendMany(events, { order: [2, 0, 1] });
    expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
    expect(receiver.accepted.map((event) => event.id)).toEqual(["evt_c", "evt_a", "evt_b"]);
  });

  it("delivers in order by default and shuffles with the injected random source", async () => {
    await sender.sendMany(events, { order: "in_order" });
    expect(receiver.accepted.map((event) => event.id)).toEqual(["evt_a", "evt_b", "evt_c"]);

    receiver.accepted.length = 0;
    const seeded = new WebhookSender({ url: receiver.url, secrets: [SECRET], clock, random: () => 0 });
    await seeded.sendMany(events, { order: "shuffled" });
    expect(receiver.accepted.map((event) => event.id)).toEqual(shuffle(["evt_a", "evt_b", "evt_c"], () => 0));
  });

  it("sends concurrently when asked, and every event arrives once", async () => {
    const many = Array.from({ length: 12 }, (_, i) =>
      buildEvent({ type: "order.completed", data: { id: `o${i}` } }),
    );
    const results = await sender.sendMany(many, { order: "shuffled", concurrency: 4 });
    expect(results.every((result) => result.status === 200)).toBe(true);
    expect(new Set(receiver.accepted.map((event) => event.id))).toEqual(
      new Set(many.map((event) => event.id)),
    );
  });

  it("rejects an order that is not a permutation", async () => {
    await expect(sender.sendMany(events, { order: [0, 0, 1] })).rejects.toThrow(/permutation/);
  });

  it("lists every permutation exactly once", () => {
    const all = permutations([1, 2, 3]);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((order) => order.join(""))).size).toBe(6);
    expect(permutations([])).toEqual([[]]);
    expect(() => permutations([1, 2, 3, 4, 5, 6, 7, 8, 9])).toThrow();
  });
});
