import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  parseWebhookEvent,
  parseWebhookSecrets,
  signWebhookBody,
  type VerifyWebhookInput,
  verifyWebhook,
  type WebhookHeaders,
} from "../../src/peeker/webhooks.js";

// Corpus modelled on the reference verifiers (reliability-notes §1.3): Standard Webhooks, stripe-node, GitHub.

const SECRET = "whsec_peeker_test_secret_one";
const OTHER_SECRET = "whsec_peeker_test_secret_two";
const NOW = 1_750_000_000;
const TOLERANCE = 300;
const EVENT_ID = "evt_01HZX0EV1A2B3C4D5E6F7G8H";
const BODY = Buffer.from(
  JSON.stringify({
    id: EVENT_ID,
    type: "order.action_required",
    created_at: "2026-05-08T12:00:00Z",
    data: { id: "ord_1", status: "action_required", note: "café ✓" },
  }),
);

/** Independent of the module under test, so a bug in signWebhookBody cannot hide itself. */
function hmacHex(secret: string, message: string | Buffer): string {
  return createHmac("sha256", secret).update(message).digest("hex");
}

function sigFor(secret: string, timestamp: number | string, body: Buffer): string {
  return hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]));
}

function headersFor(
  options: { secret?: string; timestamp?: number | string; body?: Buffer; eventId?: string } = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? NOW;
  return {
    "peeker-event-id": options.eventId ?? EVENT_ID,
    "peeker-timestamp": String(timestamp),
    "peeker-signature": `v1=${sigFor(options.secret ?? SECRET, timestamp, options.body ?? BODY)}`,
  };
}

function verify(overrides: Partial<VerifyWebhookInput> & { headers?: WebhookHeaders } = {}) {
  return verifyWebhook({
    headers: headersFor(),
    rawBody: BODY,
    secrets: [SECRET],
    toleranceSeconds: TOLERANCE,
    nowSeconds: NOW,
    ...overrides,
  });
}

function expectRejected(result: ReturnType<typeof verifyWebhook>, status: number, code: string) {
  expect(result).toMatchObject({ ok: false, status, code });
}

describe("verifyWebhook: accepted deliveries", () => {
  it("accepts a delivery signed with the configured secret and returns its id and timestamp", () => {
    expect(verify()).toEqual({ ok: true, eventId: EVENT_ID, timestamp: NOW });
  });

  it("accepts when the second of two configured secrets signed (rotation)", () => {
    const headers = headersFor({ secret: OTHER_SECRET });
    expect(verify({ headers, secrets: [SECRET, OTHER_SECRET] }).ok).toBe(true);
  });

  it("accepts header names in any letter case", () => {
    const h = headersFor();
    const headers = {
      "Peeker-Event-Id": h["peeker-event-id"],
      "PEEKER-TIMESTAMP": h["peeker-timestamp"],
      "Peeker-Signature": h["peeker-signature"],
    };
    expect(verify({ headers }).ok).toBe(true);
  });

  it("accepts a timestamp exactly at the tolerance in the past", () => {
    expect(verify({ headers: headersFor({ timestamp: NOW - TOLERANCE }) }).ok).toBe(true);
  });

  it("accepts a timestamp exactly at the tolerance in the future", () => {
    expect(verify({ headers: headersFor({ timestamp: NOW + TOLERANCE }) }).ok).toBe(true);
  });

  it("floors a fractional current time before comparing", () => {
    expect(verify({ headers: headersFor({ timestamp: NOW - TOLERANCE }), nowSeconds: NOW + 0.999 }).ok).toBe(
      true,
    );
  });

  it("accepts several comma-separated v1 entries when one of them is valid", () => {
    const valid = sigFor(SECRET, NOW, BODY);
    const headers = {
      ...headersFor(),
      "peeker-signature": `v1=${"0".repeat(64)},v1=${valid},v1=${"f".repeat(64)}`,
    };
    expect(verify({ headers }).ok).toBe(true);
  });

  it("accepts space-separated and comma-plus-space-separated entries", () => {
    const valid = sigFor(SECRET, NOW, BODY);
    for (const signature of [`v1=${"a".repeat(64)} v1=${valid}`, `v1=${"a".repeat(64)}, v1=${valid}`]) {
      expect(verify({ headers: { ...headersFor(), "peeker-signature": signature } }).ok).toBe(true);
    }
  });

  it("ignores v0= and v2= entries next to a valid v1= entry", () => {
    const valid = sigFor(SECRET, NOW, BODY);
    const headers = { ...headersFor(), "peeker-signature": `v0=${valid},v2=abc,v1=${valid}` };
    expect(verify({ headers }).ok).toBe(true);
  });

  it("accepts a body of exactly 256 KiB", () => {
    const body = Buffer.alloc(256 * 1024, "a");
    expect(verify({ rawBody: body, headers: headersFor({ body }) }).ok).toBe(true);
  });

  it("compares digest bytes, so an upper-case hex spelling of the right digest matches", () => {
    const headers = { ...headersFor(), "peeker-signature": `v1=${sigFor(SECRET, NOW, BODY).toUpperCase()}` };
    expect(verify({ headers }).ok).toBe(true);
  });
});

describe("verifyWebhook: 401 for a signature that does not match", () => {
  it("rejects a delivery signed with a secret that is not configured", () => {
    expectRejected(verify({ headers: headersFor({ secret: OTHER_SECRET }) }), 401, "bad_signature");
  });

  it("rejects a body with one flipped byte", () => {
    const tampered = Buffer.from(BODY);
    tampered[10] = (tampered[10] ?? 0) ^ 0x01;
    expectRejected(verify({ rawBody: tampered }), 401, "bad_signature");
  });

  it("rejects a body with a trailing newline added", () => {
    expectRejected(verify({ rawBody: Buffer.concat([BODY, Buffer.from("\n")]) }), 401, "bad_signature");
  });

  it("rejects re-serialized JSON, because verification runs over the raw bytes", () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(BODY.toString("utf8")), null, 2));
    expectRejected(verify({ rawBody: reserialized }), 401, "bad_signature");
  });

  it("rejects a signature replayed under a fresh timestamp", () => {
    const headers = { ...headersFor({ timestamp: NOW - 1000 }), "peeker-timestamp": String(NOW) };
    expectRejected(verify({ headers }), 401, "bad_signature");
  });

  it("rejects an HMAC over the body alone (without the timestamp prefix)", () => {
    const headers = { ...headersFor(), "peeker-signature": `v1=${hmacHex(SECRET, BODY)}` };
    expectRejected(verify({ headers }), 401, "bad_signature");
  });

  it("rejects a non-hex v1 entry as a mismatch, not a malformed header", () => {
    const headers = { ...headersFor(), "peeker-signature": `v1=${"z".repeat(64)}` };
    expectRejected(verify({ headers }), 401, "bad_signature");
  });

  it("rejects a truncated signature", () => {
    const headers = { ...headersFor(), "peeker-signature": `v1=${sigFor(SECRET, NOW, BODY).slice(0, 8)}` };
    expectRejected(verify({ headers }), 401, "bad_signature");
  });

  it("rejects a signature one hex digit too long", () => {
    const headers = { ...headersFor(), "peeker-signature": `v1=${sigFor(SECRET, NOW, BODY)}0` };
    expectRejected(verify({ headers }), 401, "bad_signature");
  });

  it("rejects an empty v1= entry", () => {
    expectRejected(verify({ headers: { ...headersFor(), "peeker-signature": "v1=" } }), 401, "bad_signature");
  });

  it("rejects when the configured secret has trailing whitespace (parseWebhookSecrets trims it)", () => {
    expectRejected(verify({ secrets: [`${SECRET} `] }), 401, "bad_signature");
    expect(verify({ secrets: parseWebhookSecrets(` ${SECRET} ,`) }).ok).toBe(true);
  });

  it("never lets an empty configured secret match", () => {
    expectRejected(verify({ headers: headersFor({ secret: "" }), secrets: [""] }), 401, "bad_signature");
  });

  it("rejects everything when no secret is configured", () => {
    expectRejected(verify({ secrets: [] }), 401, "bad_signature");
  });
});

describe("verifyWebhook: 401 outside the timestamp tolerance", () => {
  it("rejects a timestamp one second older than the tolerance", () => {
    expectRejected(
      verify({ headers: headersFor({ timestamp: NOW - TOLERANCE - 1 }) }),
      401,
      "stale_timestamp",
    );
  });

  it("rejects a timestamp one second further in the future than the tolerance", () => {
    expectRejected(
      verify({ headers: headersFor({ timestamp: NOW + TOLERANCE + 1 }) }),
      401,
      "future_timestamp",
    );
  });

  it("checks the skew before the signature", () => {
    const headers = { ...headersFor({ timestamp: NOW - 3600 }), "peeker-signature": `v1=${"0".repeat(64)}` };
    expectRejected(verify({ headers }), 401, "stale_timestamp");
  });
});

describe("verifyWebhook: 400 for missing or malformed headers", () => {
  const names = ["peeker-event-id", "peeker-timestamp", "peeker-signature"] as const;

  it.each(names)("rejects a delivery without %s", (name) => {
    const headers: WebhookHeaders = { ...headersFor() };
    delete headers[name];
    expectRejected(verify({ headers }), 400, "missing_header");
  });

  it.each(names)("rejects an empty %s", (name) => {
    expectRejected(verify({ headers: { ...headersFor(), [name]: "" } }), 400, "missing_header");
  });

  it("rejects a whitespace-only header as empty", () => {
    expectRejected(verify({ headers: { ...headersFor(), "peeker-event-id": "   " } }), 400, "missing_header");
  });

  it("treats an undefined header value as absent", () => {
    expectRejected(
      verify({ headers: { ...headersFor(), "peeker-timestamp": undefined } }),
      400,
      "missing_header",
    );
  });

  it.each(names)("rejects a duplicated %s that arrives as an array", (name) => {
    const value = headersFor()[name]!;
    expectRejected(verify({ headers: { ...headersFor(), [name]: [value, value] } }), 400, "duplicate_header");
  });

  it("rejects the same header sent under two spellings", () => {
    const h = headersFor();
    const headers = { ...h, "Peeker-Signature": h["peeker-signature"] };
    expectRejected(verify({ headers }), 400, "duplicate_header");
  });

  it("rejects an event id that looks like two joined duplicate headers", () => {
    expectRejected(
      verify({ headers: { ...headersFor(), "peeker-event-id": "evt_1, evt_2" } }),
      400,
      "bad_event_id",
    );
  });

  it.each([
    ["letters", "abc"],
    ["digits followed by letters", "123abc"],
    ["a fraction", "1.5"],
    ["a negative number", "-5"],
    ["milliseconds (13 digits)", String(NOW * 1000)],
    ["exponent notation", "1.75e9"],
    ["hex", "0x683a"],
    ["surrounding spaces", ` ${NOW}`],
    ["a plus sign", `+${NOW}`],
  ])("rejects a timestamp written as %s", (_label, timestamp) => {
    const headers = { ...headersFor(), "peeker-timestamp": timestamp };
    expectRejected(verify({ headers }), 400, "bad_timestamp");
  });

  it.each([
    ["only a v0 entry", `v0=${"a".repeat(64)}`],
    ["only a v2 entry", `v2=${"a".repeat(64)}`],
    ["a GitHub-style entry", `sha256=${"a".repeat(64)}`],
    ["a bare digest", "a".repeat(64)],
    ["an upper-case scheme", `V1=${"a".repeat(64)}`],
    ["a Standard Webhooks entry", "v1,Zm9vYmFy"],
  ])("rejects a signature header with %s and no v1= entry", (_label, signature) => {
    expectRejected(
      verify({ headers: { ...headersFor(), "peeker-signature": signature } }),
      400,
      "no_v1_signature",
    );
  });

  it("checks headers in order: presence, then the timestamp, then the v1 entry, then the skew", () => {
    const missingAndBad = { "peeker-timestamp": "abc", "peeker-signature": "v0=1" };
    expectRejected(verify({ headers: missingAndBad }), 400, "missing_header");
    const badTimestampNoV1 = { ...headersFor(), "peeker-timestamp": "abc", "peeker-signature": "v0=1" };
    expectRejected(verify({ headers: badTimestampNoV1 }), 400, "bad_timestamp");
    const staleNoV1 = { ...headersFor({ timestamp: NOW - 3600 }), "peeker-signature": "v0=1" };
    expectRejected(verify({ headers: staleNoV1 }), 400, "no_v1_signature");
  });
});

describe("verifyWebhook: 413 and bounded work", () => {
  it("rejects a body over 256 KiB before looking at any header", () => {
    const result = verify({ rawBody: Buffer.alloc(256 * 1024 + 1), headers: {} });
    expectRejected(result, 413, "body_too_large");
  });

  it("honours a smaller maxBodyBytes", () => {
    expectRejected(verify({ maxBodyBytes: 16 }), 413, "body_too_large");
  });

  // The bound on work is shown by behaviour, not by a stopwatch (a timed assertion flakes on a loaded machine):
  // a valid entry past the 20th is never looked at, so it cannot make the delivery pass.
  it("considers only the first 20 v1 entries of a 100-entry header", () => {
    const valid = `v1=${sigFor(SECRET, NOW, BODY)}`;
    const junk = Array.from({ length: 99 }, (_, i) => `v1=${i.toString(16).padStart(64, "0")}`);
    const result = verify({ headers: { ...headersFor(), "peeker-signature": [...junk, valid].join(",") } });
    expectRejected(result, 401, "bad_signature");

    const withinBound = [...junk.slice(0, 19), valid, ...junk.slice(19)].join(",");
    expect(verify({ headers: { ...headersFor(), "peeker-signature": withinBound } }).ok).toBe(true);
  });
});

describe("verifyWebhook: rejection reasons", () => {
  it("never echo a secret or a signature", () => {
    const signature = sigFor(SECRET, NOW, BODY);
    const cases: Array<Partial<VerifyWebhookInput>> = [
      { headers: headersFor({ secret: OTHER_SECRET }) },
      { headers: headersFor({ timestamp: NOW - 1000 }) },
      { headers: headersFor({ timestamp: NOW + 1000 }) },
      { headers: { ...headersFor(), "peeker-signature": `v0=${signature}` } },
      { headers: { ...headersFor(), "peeker-timestamp": `${signature}` } },
      { headers: { ...headersFor(), "peeker-event-id": `${SECRET} x` } },
      { rawBody: Buffer.alloc(300 * 1024) },
    ];
    for (const overrides of cases) {
      const result = verify(overrides);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.reason).not.toContain(SECRET);
      expect(result.reason).not.toContain(OTHER_SECRET);
      expect(result.reason).not.toContain(signature);
      expect(result.reason).toMatch(/^[\w\s=.,-]+$/);
    }
  });
});

describe("signWebhookBody", () => {
  const GITHUB_SECRET = "It's a Secret to Everybody";

  it("uses the same HMAC-SHA256 primitive as GitHub's known-answer vector", () => {
    expect(hmacHex(GITHUB_SECRET, "Hello, World!")).toBe(
      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    );
  });

  it("signs `<timestamp>.<body>` (known answer computed with Python's hmac)", () => {
    expect(signWebhookBody(GITHUB_SECRET, 1614265330, "Hello, World!")).toBe(
      "v1=f37376a318b83773050e9e3ac8c6d599d2254e4f69edd75a1419cb54dc7264f3",
    );
  });

  it("gives the same signature for a string and its UTF-8 Buffer, matching node crypto", () => {
    const text = BODY.toString("utf8");
    const expected = `v1=${sigFor(SECRET, NOW, BODY)}`;
    expect(signWebhookBody(SECRET, NOW, text)).toBe(expected);
    expect(signWebhookBody(SECRET, NOW, BODY)).toBe(expected);
  });
});

describe("parseWebhookSecrets", () => {
  it("splits a comma list, trims each secret and drops empty ones", () => {
    expect(parseWebhookSecrets(" a , b,,c ,")).toEqual(["a", "b", "c"]);
    expect(parseWebhookSecrets("")).toEqual([]);
  });
});

describe("parseWebhookEvent", () => {
  const parse = (value: unknown) => parseWebhookEvent(Buffer.from(JSON.stringify(value)));
  const eventOf = (value: unknown) => {
    const result = parse(value);
    if (!result.ok) throw new Error(result.reason);
    return result.event;
  };

  const families = [
    ["order", "order.action_required", "ord_1"],
    ["domain", "domain.action_required", "dom_1"],
    ["domain_import", "domain_import.action_required", "imp_1"],
    ["swap", "swap.action_required", "swp_1"],
  ] as const;

  it.each(families)("reads a nested %s event from data.<family>", (family, type, id) => {
    const resource = { id, status: "action_required", reason: "some_reason" };
    const event = eventOf({
      id: "evt_1",
      type,
      created_at: "2026-05-08T12:00:00Z",
      data: { [family]: resource },
    });
    expect(event).toMatchObject({
      id: "evt_1",
      type,
      createdAt: "2026-05-08T12:00:00Z",
      family,
      known: true,
      resource,
      resourceId: id,
      status: "action_required",
      reason: "some_reason",
    });
  });

  it.each(families)("reads a flat %s event from data itself", (family, type, id) => {
    const event = eventOf({ id: "evt_1", type, data: { id, status: "in_progress" } });
    expect(event).toMatchObject({ family, known: true, resourceId: id, status: "in_progress", reason: null });
    expect(event.resource).toEqual({ id, status: "in_progress" });
  });

  it("treats a domain event whose data.domain is a string (its name) as flat", () => {
    const data = {
      id: "dom_1",
      domain: "acme-mail.com",
      status: "action_required",
      reason: "update_nameservers",
    };
    const event = eventOf({ id: "evt_1", type: "domain.action_required", data });
    expect(event.resource).toEqual(data);
    expect(event).toMatchObject({ family: "domain", resourceId: "dom_1", reason: "update_nameservers" });
  });

  it("nests only under the event's own family key", () => {
    const data = { id: "ord_1", status: "in_progress", domain: { id: "dom_9" } };
    const event = eventOf({ id: "evt_1", type: "order.in_progress", data });
    expect(event.resource).toEqual(data);
    expect(event.resourceId).toBe("ord_1");
  });

  it("does not treat an array under data.<family> as a nested resource", () => {
    const data = { id: "ord_1", order: [{ id: "ord_2" }] };
    expect(eventOf({ id: "evt_1", type: "order.completed", data }).resourceId).toBe("ord_1");
  });

  it("reads the reason from the first pending action when the resource has none", () => {
    const data = {
      order: {
        id: "ord_1",
        status: "action_required",
        pending_actions: [{ id: "act_1", reason: "profile_picture_not_accessible" }],
      },
    };
    const event = eventOf({ id: "evt_1", type: "order.action_required", data });
    expect(event.reason).toBe("profile_picture_not_accessible");
  });

  it("prefers resource.reason over the pending actions", () => {
    const data = { id: "swp_1", reason: "replace_domain", pending_actions: [{ reason: "other" }] };
    expect(eventOf({ id: "evt_1", type: "swap.action_required", data }).reason).toBe("replace_domain");
  });

  it("keeps an unknown type as unknown, with no family", () => {
    const event = eventOf({ id: "evt_1", type: "bundle.updated", data: { id: "bnd_1" } });
    expect(event).toMatchObject({ type: "bundle.updated", family: null, known: false, resourceId: "bnd_1" });
  });

  it("keeps a new type of a known family, marked unknown", () => {
    const event = eventOf({ id: "evt_1", type: "order.refunded", data: { order: { id: "ord_1" } } });
    expect(event).toMatchObject({ family: "order", known: false, resourceId: "ord_1" });
  });

  it("accepts an object without type or id as unknown", () => {
    const event = eventOf({ hello: "world" });
    expect(event).toMatchObject({ id: null, type: null, family: null, known: false, resource: null });
    expect(event.raw).toEqual({ hello: "world" });
  });

  it("marks a catalog type without an event id as unknown", () => {
    expect(eventOf({ type: "order.completed", data: { id: "ord_1" } }).known).toBe(false);
  });

  it("gives a null resource when data is not an object", () => {
    const event = eventOf({ id: "evt_1", type: "order.completed", data: "ord_1" });
    expect(event).toMatchObject({ resource: null, resourceId: null, status: null, reason: null });
  });

  it("ignores non-string fields instead of trusting their type", () => {
    const event = eventOf({
      id: 42,
      type: ["order.completed"],
      created_at: 1,
      data: { id: 7, status: true },
    });
    expect(event).toMatchObject({ id: null, type: null, createdAt: null, resourceId: null, status: null });
  });

  it.each([
    ["an array", "[]"],
    ["a number", "42"],
    ["a string", '"order.completed"'],
    ["null", "null"],
    ["a boolean", "true"],
  ])("rejects %s as not a JSON object", (_label, body) => {
    expect(parseWebhookEvent(Buffer.from(body))).toEqual({ ok: false, reason: "body is not a JSON object" });
  });

  it.each([
    ["truncated JSON", '{"id": "evt_1"'],
    ["an empty body", ""],
    ["text", "hello"],
  ])("rejects %s as invalid JSON", (_label, body) => {
    expect(parseWebhookEvent(Buffer.from(body))).toEqual({ ok: false, reason: "body is not valid JSON" });
  });
});
