/**
 * The Peeker client against the simulator over loopback: every method, error decoding with request ids,
 * the retry policy per route, pagination, and what reaches the logs.
 */
import { Writable } from "node:stream";
import { Agent, MockAgent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { type PeekerCallInfo, PeekerClient, type PeekerClientOptions } from "../../src/peeker/client.js";
import { PeekerError } from "../../src/peeker/errors.js";
import type { CreateOrderBody } from "../../src/peeker/types.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";
import { buildCustomOrderBody } from "../support/peeker-sim/testing.js";
import { waitFor } from "../support/wait.js";

let sim: PeekerSim;
const agent = new Agent();

beforeAll(async () => {
  sim = await startPeekerSim();
});

afterAll(async () => {
  await sim.close();
  await agent.close();
});

beforeEach(() => sim.control.reset());

function makeClient(options: Partial<PeekerClientOptions> = {}): PeekerClient {
  return new PeekerClient({
    apiKey: SIM_KEYS.full,
    baseUrl: sim.url,
    dispatcher: agent,
    // No jitter: backoffs are 0 ms, so retry tests do not wait.
    random: () => 0,
    ...options,
  });
}

function orderBody(overrides: Parameters<typeof buildCustomOrderBody>[0] = {}): CreateOrderBody {
  return buildCustomOrderBody(overrides) as unknown as CreateOrderBody;
}

async function rejection(promise: Promise<unknown>): Promise<PeekerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PeekerError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("calls and decoding", () => {
  it("reads every resource with its request id, keeping unknown statuses and extra fields", async () => {
    const client = makeClient();
    const user = sim.control.seedUser({ email: "alex@acme.com", first_name: "Alex" });
    const { order, domains } = sim.control.seedOrder({
      user_id: user.id,
      status: "action_required",
      forwarding_url: "https://acme.com",
      domains: ["acme-mail.com", { domain: "ms-acme.com", provider: "microsoft" }],
      personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "http://localhost/sam.jpg" }],
    });
    const domainImport = sim.control.seedImport({ domains: ["late-acme.com"], status: "action_required" });
    const swap = sim.control.seedSwap({
      domain_id: domains[1]?.id ?? "",
      replacement_domain: "new-acme.com",
    });

    const me = await client.me();
    expect(me.data.api_key.permission_preset).toBe("full");
    expect(me.requestId).toBe(sim.control.requests({ route: "/me" })[0]?.requestId);
    expect(client.environment).toBe("test");

    const full = await client.getOrder(order.id);
    expect(full.data).toMatchObject({
      id: order.id,
      status: "action_required",
      personas: [{ first_name: "Sam" }],
      google_licenses: 2,
      microsoft_licenses: 1,
      google_inboxes_per_domain: 2,
      forwarding_url: "https://acme.com",
      sequencer: { provider: "smartlead", client_id: 366903 },
      domains: [
        { domain: "acme-mail.com", source: "registered" },
        { domain: "ms-acme.com", source: "registered" },
      ],
    });
    expect(full.data.costs?.line_items?.length).toBeGreaterThan(0);

    const pending = await client.listPendingActions({ order_id: order.id }).toArray();
    expect(pending).toMatchObject([{ order_id: order.id, reason: "profile_picture_not_accessible" }]);
    const page = await client.listPendingActionsPage();
    expect(page.meta.per_page).toBe(25);
    expect(page.requestId).toMatch(/^req_/);

    expect((await client.getUser(user.id)).data.email).toBe("alex@acme.com");
    expect((await client.getDomain(domains[0]?.id ?? "")).data.domain).toBe("acme-mail.com");
    expect((await client.getImport(domainImport.id)).data).toMatchObject({
      status: "action_required",
      reason: "update_nameservers",
      nameserver_groups: [{ domains: ["late-acme.com"] }],
    });
    expect((await client.findImportsByDomains(["late-acme.com"])).data.map((i) => i.id)).toEqual([
      domainImport.id,
    ]);
    expect((await client.getSwap(swap.id)).data.replacement_domain).toBe("new-acme.com");
    expect(await client.listSwaps({ domain_id: domains[1]?.id }).toArray()).toHaveLength(1);
    expect(await client.listDomains({ category: "connected" }).toArray()).toHaveLength(2);
    expect(await client.listOrders({ user_id: user.id }).toArray()).toHaveLength(1);

    // An unknown status passes through as-is (enums are open).
    const odd = sim.control.seedOrder({ status: "quarantined", domains: ["odd-acme.com"] });
    expect((await client.getOrder(odd.order.id)).data.status).toBe("quarantined");
  });

  it("creates, re-creates (deduped), cancels, checks availability and swaps", async () => {
    const client = makeClient();
    const body = orderBody();
    const created = await client.createOrder(body);
    expect(created.data).toMatchObject({ status: "in_progress", domain_count: 2, bundle_id: null });
    expect((await client.createOrder(body)).data.id).toBe(created.data.id);
    expect(sim.control.requests({ route: "/orders", method: "POST" })[0]?.body).toEqual(body);

    sim.control.setRegistry("taken-acme.com", { status: "taken" });
    const availability = await client.checkAvailability(["fresh-acme.com", "taken-acme.com"]);
    expect(availability.data.domains).toMatchObject([
      { domain: "fresh-acme.com", available: true, usable_for: ["google", "microsoft"] },
      { domain: "taken-acme.com", available: false, reason: "taken" },
    ]);

    const domainId = sim.control.state.domainByName("acme-mail.com")?.id ?? "";
    const swap = await client.createSwap({
      type: "standard",
      domain_id: domainId,
      replacement_domain: "fresh-acme.com",
    });
    expect(swap.data).toMatchObject({ status: "created", domain_id: domainId });

    const partial = await client.cancelOrder(created.data.id, { domains: ["team-acme.com"] });
    expect(partial.data.domains.map((d) => d.domain)).toEqual(["team-acme.com"]);
    const whole = await client.cancelOrder(created.data.id);
    expect(whole.data.status).toBe("cancel_scheduled");
    expect(sim.control.requests({ route: "/orders/{id}/cancel" }).map((r) => r.body)).toEqual([
      { domains: ["team-acme.com"] },
      undefined,
    ]);
  });

  it("decodes every Peeker error code with its field, details and request id", async () => {
    const client = makeClient({ retry: { maxAttempts: 1, maxRateLimitWaits: 0 } });
    sim.control.seedBundle({ id: "bun_123" });
    const { domains } = sim.control.seedOrder({ domains: ["held-acme.com"] });
    const googleDomain = domains[0]?.id ?? "";
    sim.control.setRegistry("taken-acme.com", { status: "taken" });
    sim.control.setRegistry("premium-acme.com", { status: "premium" });
    sim.control.setRegistry("ms-only.com", { status: "available", usable_for: ["microsoft"] });

    const readOnly = makeClient({ apiKey: SIM_KEYS.read });
    const wrongKey = makeClient({ apiKey: "pk_test_revoked" });
    const cases: Array<[string, () => Promise<unknown>, number, string | undefined]> = [
      ["invalid_request", () => client.createOrder(orderBody({ personas: [] })), 400, "personas"],
      ["unauthorized", () => wrongKey.me(), 401, undefined],
      [
        "forbidden",
        () =>
          readOnly.createSwap({
            type: "standard",
            domain_id: googleDomain,
            replacement_domain: "x-acme.com",
          }),
        403,
        undefined,
      ],
      ["not_found", () => client.getOrder("ord_missing"), 404, undefined],
      [
        "order_shape_conflict",
        () => client.createOrder({ ...orderBody(), bundle_id: "bun_123" } as unknown as CreateOrderBody),
        400,
        "bundle_id",
      ],
      [
        "domain_count_mismatch",
        () => client.createOrder(orderBody({ domains: ["one-acme.com"] })),
        400,
        "domains",
      ],
      [
        "domain_already_in_active_order",
        () => client.createOrder(orderBody({ domains: ["held-acme.com", "b-acme.com"] })),
        400,
        "domains",
      ],
      [
        "domain_not_imported",
        () =>
          client.createSwap({
            type: "standard",
            domain_id: googleDomain,
            replacement_domain: "taken-acme.com",
          }),
        400,
        "replacement_domain",
      ],
      [
        "premium_domain_not_supported",
        () => client.createOrder(orderBody({ domains: ["a-acme.com", "premium-acme.com"] })),
        400,
        "domains[1]",
      ],
      [
        "domain_not_usable_for_provider",
        () =>
          client.createSwap({ type: "standard", domain_id: googleDomain, replacement_domain: "ms-only.com" }),
        400,
        "replacement_domain",
      ],
      [
        "internal_error",
        () => {
          sim.control.injectFault({ route: "POST /swaps", fault: { kind: "error" } });
          return client.createSwap({
            type: "standard",
            domain_id: googleDomain,
            replacement_domain: "q-acme.com",
          });
        },
        500,
        undefined,
      ],
      [
        "rate_limited",
        () => {
          sim.control.injectFault({
            route: "GET /me",
            fault: { kind: "rate_limited", retryAfterSeconds: 0 },
          });
          return client.me();
        },
        429,
        undefined,
      ],
    ];
    for (const [code, run, status, field] of cases) {
      sim.control.clearRequests();
      const error = await rejection(run());
      const [sent] = sim.control.requests();
      expect(error, code).toBeInstanceOf(PeekerError);
      expect({ code: error.code, status: error.status, field: error.field }, code).toEqual({
        code,
        status,
        field,
      });
      expect(error.requestId, code).toBe(sent?.requestId);
      expect(error.requestId).toMatch(/^req_/);
      expect(sim.control.requests(), `${code} is not retried`).toHaveLength(1);
    }
    const mismatch = await rejection(client.createOrder(orderBody({ domains: ["one-acme.com"] })));
    expect(mismatch.details).toEqual({ required_count: 2, submitted_count: 1, missing_count: 1 });
    expect(mismatch.isClientError).toBe(true);
  });

  it("rejects bad options up front, naming the option", () => {
    expect(() => makeClient({ apiKey: "" })).toThrow(/apiKey/);
    expect(() => makeClient({ apiKey: "pk_test_x\nX-Evil: 1" })).toThrow(/apiKey/);
    expect(() => makeClient({ baseUrl: "ftp://peeker" })).toThrow(/baseUrl/);
    expect(() => makeClient({ baseUrl: "https://api.peeker.ai/partner/v1?x=1" })).toThrow(/baseUrl/);
    expect(() => makeClient({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => makeClient({ budget: { limit: 0 } })).toThrow(/budget.limit/);
    expect(() => makeClient({ retry: { maxAttempts: 0 } })).toThrow(/retry.maxAttempts/);
  });

  it("keeps the path prefix of the base URL, with or without a trailing slash", async () => {
    const client = makeClient({ baseUrl: `${sim.url}/` });
    await client.me();
    expect(client.baseUrl).toBe(sim.url);
    expect(sim.control.requests()[0]).toMatchObject({ path: "/me", route: "/me", status: 200 });
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock
      .get("https://api.peeker.ai")
      .intercept({ path: "/api/partner/v1/me" })
      .reply(200, {
        data: {
          api_key: { environment: "live", permission_preset: "read", created_at: "2026-05-08T12:00:00Z" },
          partner: { id: "org_1", name: "A", plan: "gold" },
        },
      });
    const other = new PeekerClient({
      apiKey: "pk_live_x",
      baseUrl: "https://api.peeker.ai/api/partner/v1",
      dispatcher: mock,
    });
    const me = await other.me();
    expect(me.data.api_key.environment).toBe("live");
    expect(other.environment).toBe("live");
    // Fields the schema does not know survive validation.
    expect(me.data).toMatchObject({
      api_key: { created_at: "2026-05-08T12:00:00Z" },
      partner: { plan: "gold" },
    });
    await mock.close();
  });
});

describe("retries", () => {
  it("retries a GET through 5xx answers and returns the request id of the answer that succeeded", async () => {
    const client = makeClient();
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    sim.control.injectFault({ route: "GET /orders/{id}", times: 2, fault: { kind: "error", status: 503 } });
    const result = await client.getOrder(order.id);
    const sent = sim.control.requests({ route: "/orders/{id}" });
    expect(sent.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(result.requestId).toBe(sent[2]?.requestId);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const client = makeClient({ retry: { maxAttempts: 3 } });
    sim.control.injectFault({ route: "GET /me", times: 5, fault: { kind: "error", status: 500 } });
    const error = await rejection(client.me());
    expect(error).toMatchObject({ code: "internal_error", status: 500 });
    expect(sim.control.requests({ route: "/me" })).toHaveLength(3);
    expect(error.requestId).toBe(sim.control.requests({ route: "/me" })[2]?.requestId);
  });

  it("retries dropped connections on retry-safe POSTs (availability, orders, cancel)", async () => {
    const client = makeClient();
    sim.control.injectFault({ route: "POST /domains/availability", fault: { kind: "drop" } });
    sim.control.injectFault({ route: "POST /orders", fault: { kind: "error", status: 502 } });
    await client.checkAvailability(["fresh-acme.com"]);
    const order = await client.createOrder(orderBody());
    sim.control.injectFault({ route: "POST /orders/{id}/cancel", fault: { kind: "error", status: 500 } });
    await client.cancelOrder(order.data.id);
    expect(sim.control.requests({ route: "/domains/availability" }).map((r) => r.status)).toEqual([0, 200]);
    expect(sim.control.requests({ route: "/orders", method: "POST" }).map((r) => r.status)).toEqual([
      502, 200,
    ]);
    expect(sim.control.requests({ route: "/orders/{id}/cancel" }).map((r) => r.status)).toEqual([500, 200]);
  });

  it("never repeats POST /swaps after a 5xx, a timeout or a dropped connection", async () => {
    const client = makeClient({ timeoutMs: 200 });
    const { domains } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    const swap = {
      type: "standard" as const,
      domain_id: domains[0]?.id ?? "",
      replacement_domain: "new-acme.com",
    };

    sim.control.injectFault({ route: "POST /swaps", fault: { kind: "error", status: 500 } });
    expect((await rejection(client.createSwap(swap))).code).toBe("internal_error");
    sim.control.injectFault({ route: "POST /swaps", fault: { kind: "drop" } });
    expect((await rejection(client.createSwap(swap))).code).toBe("network_error");
    sim.control.injectFault({ route: "POST /swaps", fault: { kind: "latency", ms: 600 } });
    const timeout = await rejection(client.createSwap(swap));
    expect(timeout.code).toBe("timeout");
    // Peeker creates the timed-out swap once its latency is over: wait for that fact, not for a time.
    await waitFor(() => [...sim.control.state.swaps.values()].some((s) => s.domain_id === swap.domain_id), {
      what: "the simulator to create the timed-out swap",
    });
    expect(sim.control.requests({ route: "/swaps", method: "POST" })).toHaveLength(3);
    // The timed-out swap was created anyway; the caller finds it by domain instead of re-posting.
    expect(await client.listSwaps({ domain_id: swap.domain_id }).toArray()).toHaveLength(1);
  });

  it("never retries a 4xx", async () => {
    const client = makeClient();
    await rejection(client.getOrder("ord_missing"));
    await rejection(client.createOrder(orderBody({ personas: [] })));
    expect(sim.control.requests()).toHaveLength(2);
  });

  it("treats a body that is not JSON or not the envelope as bad_response, retrying it only on 5xx", async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get("https://peeker.test");
    pool
      .intercept({ path: "/partner/v1/me" })
      .reply(502, "<html>bad gateway</html>", { headers: { "peeker-request-id": "req_A" } });
    pool
      .intercept({ path: "/partner/v1/me" })
      .reply(200, "not json", { headers: { "peeker-request-id": "req_B" } });
    pool.intercept({ path: "/partner/v1/users/usr_1" }).reply(200, { data: { id: "usr_1" } });
    const client = new PeekerClient({
      apiKey: "pk_test_x",
      baseUrl: "https://peeker.test/partner/v1",
      dispatcher: mock,
      random: () => 0,
    });
    const notJson = await rejection(client.me());
    expect(notJson).toMatchObject({ code: "bad_response", status: 200, requestId: "req_B" });
    const invalidShape = await rejection(client.getUser("usr_1"));
    expect(invalidShape.code).toBe("bad_response");
    expect(invalidShape.details?.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "data.email" })]),
    );
    await mock.close();
  });
});

describe("pagination", () => {
  function seedOrders(count: number, status: string) {
    for (let i = 0; i < count; i++)
      sim.control.seedOrder({ status, domains: [`${status}-${i}.com`.replace("_", "-")] });
  }

  it("walks three pages by following links.next verbatim", async () => {
    const client = makeClient();
    seedOrders(7, "in_progress");
    const pages = [];
    for await (const page of client.listOrders({ status: "in_progress", per_page: 3 }).pages())
      pages.push(page);
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
    const sent = sim.control.requests({ route: "/orders" });
    expect(sent).toHaveLength(3);
    expect(sent[0]?.query).toEqual({ status: "in_progress", per_page: "3" });
    for (const [index, request] of sent.slice(1).entries()) {
      const next = pages[index]?.links.next ?? "";
      const url = new URL(next);
      expect(request.query).toEqual(Object.fromEntries(url.searchParams));
    }
    const ids = pages.flatMap((p) => p.data.map((o) => o.id));
    expect(new Set(ids).size).toBe(7);
    expect(pages.map((p) => p.requestId)).toEqual(sent.map((r) => r.requestId));
  });

  it("asks for 100 rows per page on walks unless told otherwise", async () => {
    const client = makeClient();
    await client.listPendingActions().toArray();
    await client.listPendingActionsPage({ status: "resolved" });
    expect(sim.control.requests().map((r) => r.query)).toEqual([{ per_page: "100" }, { status: "resolved" }]);
  });

  it("restarts from links.first once when a token no longer matches the filters", async () => {
    const client = makeClient();
    seedOrders(3, "in_progress");
    seedOrders(3, "completed");
    const first = await client.listOrders({ status: "in_progress", per_page: 2 }).firstPage();
    const token = new URL(first.links.next ?? "").searchParams.get("page_token") ?? "";
    sim.control.clearRequests();

    const rows = await client.listOrders({ status: "completed", per_page: 2, page_token: token }).toArray();
    expect(rows.map((o) => o.status)).toEqual(["completed", "completed", "completed"]);
    const sent = sim.control.requests({ route: "/orders" });
    expect(sent.map((r) => [r.status, r.query.page_token === undefined])).toEqual([
      [400, false],
      [200, true],
      [200, false],
    ]);
    expect(sent[1]?.query).toEqual({ status: "completed", per_page: "2" });
  });

  it("refuses to follow a link outside the API base, so the key never leaves it", async () => {
    const elsewhere = await startPeekerSim({ publicBaseUrl: "http://127.0.0.1:9/partner/v1" });
    try {
      for (let i = 0; i < 3; i++) elsewhere.control.seedOrder({ domains: [`far-${i}.com`] });
      const client = new PeekerClient({ apiKey: SIM_KEYS.full, baseUrl: elsewhere.url, dispatcher: agent });
      const error = await rejection(client.listOrders({ per_page: 2 }).toArray());
      expect(error.code).toBe("bad_response");
      expect(elsewhere.control.requests()).toHaveLength(1);
    } finally {
      await elsewhere.close();
    }
  });
});

describe("logging and metrics", () => {
  it("logs method, route, status, duration and request id, but never the key or a password", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const calls: PeekerCallInfo[] = [];
    const client = makeClient({
      logger: createLogger({ level: "info", destination }),
      onCall: (info) => calls.push(info),
    });
    const created = await client.createOrder(orderBody());
    await rejection(client.getOrder("ord_missing"));
    await new Promise((resolve) => setImmediate(resolve));

    const log = lines.join("");
    expect(log).not.toContain(SIM_KEYS.full);
    expect(log).not.toContain("secret-password");
    expect(log).not.toContain("smartlead-login@example.com");
    const entries = lines.map((line) => JSON.parse(line) as { msg: string; peeker: Record<string, unknown> });
    expect(entries.map((e) => e.peeker)).toMatchObject([
      {
        method: "POST",
        route: "/orders",
        path: "/partner/v1/orders",
        status: 200,
        requestId: created.requestId,
        outcome: "ok",
      },
      { method: "GET", route: "/orders/{id}", status: 404, outcome: "client_error", code: "not_found" },
    ]);
    expect(typeof entries[0]?.peeker.ms).toBe("number");
    expect(calls).toMatchObject([
      { method: "POST", route: "/orders", status: 200, outcome: "ok", attempt: 1, interactive: false },
      { method: "GET", route: "/orders/{id}", status: 404, outcome: "client_error" },
    ]);
  });
});
