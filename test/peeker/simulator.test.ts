/**
 * The simulator's behaviour: keys and presets, account scoping, validation codes, signed page tokens, order
 * dedupe and domain holding, swap checks, pending actions, faults, the rate limit and the control API.
 */
import { Agent, request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DAY, SECOND } from "../../src/clock.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import type { SimEvent } from "../support/peeker-sim/state.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";
import { buildCustomOrderBody, rawCaller } from "../support/peeker-sim/testing.js";

let sim: PeekerSim;
const agent = new Agent();
let call: ReturnType<typeof rawCaller>;
const events: SimEvent[] = [];

beforeAll(async () => {
  sim = await startPeekerSim({ onEvent: (event) => events.push(event) });
  call = rawCaller(sim, agent);
});

afterAll(async () => {
  await sim.close();
  await agent.close();
});

beforeEach(() => {
  sim.control.reset();
  events.length = 0;
});

function errorOf(json: unknown): { code: string; field?: string; details?: Record<string, unknown> } {
  return (json as { error: { code: string; field?: string; details?: Record<string, unknown> } }).error;
}

function dataOf<T = Record<string, unknown>>(json: unknown): T {
  return (json as { data: T }).data;
}

describe("keys and presets", () => {
  it("answers 401 unauthorized for a missing, malformed or unknown key", async () => {
    for (const options of [
      { key: null },
      { authorization: "Token pk_test_x" },
      { authorization: "Bearer" },
      { key: "pk_test_nope" },
    ]) {
      const answer = await call("GET", "/me", options);
      expect(answer.status).toBe(401);
      expect(errorOf(answer.json).code).toBe("unauthorized");
    }
  });

  it("answers 403 forbidden to writes with read and limited keys, but lets limited keys check availability", async () => {
    const body = buildCustomOrderBody();
    expect((await call("POST", "/orders", { key: SIM_KEYS.read, body })).status).toBe(403);
    const limited = await call("POST", "/orders", { key: SIM_KEYS.limited, body });
    expect(limited.status).toBe(403);
    expect(errorOf(limited.json).code).toBe("forbidden");
    expect(
      (await call("POST", "/domains/availability", { key: SIM_KEYS.limited, body: { domains: ["a-b.com"] } }))
        .status,
    ).toBe(200);
    expect(
      (await call("POST", "/domains/availability", { key: SIM_KEYS.read, body: { domains: ["a-b.com"] } }))
        .status,
    ).toBe(403);
    expect((await call("GET", "/orders", { key: SIM_KEYS.read })).status).toBe(200);
    expect(
      sim.control.requests({ route: "/orders" }).every((r) => r.method === "GET" || r.status === 403),
    ).toBe(true);
  });

  it("scopes records to the key's partner: another partner's order is not_found", async () => {
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    expect((await call("GET", `/orders/${order.id}`)).status).toBe(200);
    const other = await call("GET", `/orders/${order.id}`, { key: SIM_KEYS.otherPartner });
    expect(other.status).toBe(404);
    expect(errorOf(other.json).code).toBe("not_found");
    expect(dataOf<unknown[]>((await call("GET", "/orders", { key: SIM_KEYS.otherPartner })).json)).toEqual(
      [],
    );
  });

  it("reports a live key's environment on GET /me", async () => {
    expect((await call("GET", "/me", { key: SIM_KEYS.live })).json).toMatchObject({
      data: { api_key: { environment: "live" } },
    });
  });
});

describe("lists and page tokens", () => {
  async function seedOrders(count: number, status = "in_progress") {
    for (let i = 0; i < count; i++)
      sim.control.seedOrder({ status, domains: [`${status.replace("_", "-")}-${i}.com`] });
  }

  it("defaults to 25 per page, caps at 100 and links with the server's own base", async () => {
    await seedOrders(30);
    const first = await call("GET", "/orders");
    expect(dataOf<unknown[]>(first.json)).toHaveLength(25);
    const links = (first.json as { links: { first: string; next: string } }).links;
    expect(links.first).toBe(`${sim.url}/orders?per_page=25`);
    expect(links.next.startsWith(`${sim.url}/orders?per_page=25&page_token=`)).toBe(true);
    const second = await call("GET", links.next);
    expect(dataOf<unknown[]>(second.json)).toHaveLength(5);
    expect((second.json as { links: { next: null } }).links.next).toBeNull();

    for (const bad of ["0", "101", "abc"]) {
      const answer = await call("GET", `/orders?per_page=${bad}`);
      expect(answer.status).toBe(400);
      expect(errorOf(answer.json)).toMatchObject({ code: "invalid_request", field: "per_page" });
    }
    expect(dataOf<unknown[]>((await call("GET", "/orders?per_page=100")).json)).toHaveLength(30);
  });

  it("walks newest first without repeating or skipping a row", async () => {
    await seedOrders(7);
    const ids: string[] = [];
    let next: string | null = `${sim.url}/orders?per_page=3`;
    while (next) {
      const page = await call("GET", next);
      ids.push(...dataOf<Array<{ id: string }>>(page.json).map((row) => row.id));
      next = (page.json as { links: { next: string | null } }).links.next;
    }
    const expected = [...sim.control.state.orders.values()].map((o) => o.id).reverse();
    expect(ids).toEqual(expected);
  });

  it("rejects a token used with other filters, on another list, or tampered with", async () => {
    await seedOrders(3, "in_progress");
    await seedOrders(3, "completed");
    const first = await call("GET", "/orders?status=in_progress&per_page=2");
    const next = (first.json as { links: { next: string } }).links.next;
    const token = new URL(next).searchParams.get("page_token") ?? "";

    expect((await call("GET", `/orders?status=in_progress&per_page=2&page_token=${token}`)).status).toBe(200);
    for (const path of [
      `/orders?status=completed&per_page=2&page_token=${token}`,
      `/orders?per_page=2&page_token=${token}`,
      `/swaps?status=in_progress&per_page=2&page_token=${token}`,
      `/orders?status=in_progress&per_page=2&page_token=${token.slice(0, -2)}xx`,
      "/orders?status=in_progress&page_token=eyJjdXJzb3IiOiJ4eXoifQ",
    ]) {
      const answer = await call("GET", path);
      expect(answer.status, path).toBe(400);
      expect(errorOf(answer.json)).toMatchObject({ code: "invalid_request", field: "page_token" });
    }
  });

  it("filters pending actions by order, user and status (open by default)", async () => {
    const a = sim.control.seedOrder({
      email: "a@example.com",
      status: "action_required",
      domains: ["a-1.com"],
    });
    const b = sim.control.seedOrder({
      email: "b@example.com",
      status: "action_required",
      domains: ["b-1.com"],
    });
    sim.control.resolve("order", b.order.id);
    const open = dataOf<Array<{ order_id: string }>>((await call("GET", "/orders/pending")).json);
    expect(open.map((row) => row.order_id)).toEqual([a.order.id]);
    const resolved = dataOf<Array<{ order_id: string; resolved_at: string }>>(
      (await call("GET", "/orders/pending?status=resolved")).json,
    );
    expect(resolved).toMatchObject([{ order_id: b.order.id, status: "resolved" }]);
    expect(dataOf<unknown[]>((await call("GET", `/orders/pending?order_id=${b.order.id}`)).json)).toEqual([]);
    expect(dataOf<unknown[]>((await call("GET", "/orders/pending?user=a@example.com")).json)).toHaveLength(1);
    expect(
      dataOf<unknown[]>((await call("GET", `/orders/pending?user=${b.order.user_id}&status=resolved`)).json),
    ).toHaveLength(1);
  });

  it("requires domains on GET /domains/import", async () => {
    const answer = await call("GET", "/domains/import");
    expect(answer.status).toBe(400);
    expect(errorOf(answer.json)).toMatchObject({ code: "invalid_request", field: "domains" });
  });
});

describe("orders", () => {
  it("validates bodies with invalid_request and the faulty field", async () => {
    const cases: Array<[unknown, string | undefined]> = [
      [buildCustomOrderBody({ personas: [] }), "personas"],
      [buildCustomOrderBody({ user: "not-an-email" }), "user"],
      [
        buildCustomOrderBody({ sequencer: { provider: "smartlead", client_id: 1, login_email: "a@b.co" } }),
        "sequencer.login_password",
      ],
      [
        { ...buildCustomOrderBody(), personas: [{ first_name: "A", last_name: "B" }] },
        "personas[0].profile_picture_url",
      ],
      [
        { ...buildCustomOrderBody(), google_licenses: undefined, google_inboxes_per_domain: undefined },
        "bundle_id",
      ],
    ];
    for (const [body, field] of cases) {
      const answer = await call("POST", "/orders", { body });
      expect(answer.status).toBe(400);
      expect(errorOf(answer.json)).toMatchObject({ code: "invalid_request", field });
    }
    const notJson = await call("POST", "/orders", { rawBody: "{nope" });
    expect(notJson.status).toBe(400);
    expect(errorOf(notJson.json).code).toBe("invalid_request");
  });

  it("answers order_shape_conflict and domain_count_mismatch", async () => {
    sim.control.seedBundle({ id: "bun_123" });
    const conflict = await call("POST", "/orders", {
      body: { ...buildCustomOrderBody(), bundle_id: "bun_123" },
    });
    expect(errorOf(conflict.json)).toMatchObject({ code: "order_shape_conflict" });
    const mismatch = await call("POST", "/orders", {
      body: buildCustomOrderBody({ domains: ["only-one.com"] }),
    });
    expect(errorOf(mismatch.json)).toEqual({
      code: "domain_count_mismatch",
      message: expect.any(String),
      field: "domains",
      details: { required_count: 2, submitted_count: 1, missing_count: 1 },
    });
  });

  it("answers domain_not_imported, premium_domain_not_supported and domain_not_usable_for_provider", async () => {
    sim.control.setRegistry("taken-acme.com", { status: "taken" });
    sim.control.setRegistry("premium-acme.com", { status: "premium" });
    sim.control.setRegistry("ms-only.com", { status: "available", usable_for: ["microsoft"] });
    const codes: Record<string, string> = {
      "taken-acme.com": "domain_not_imported",
      "premium-acme.com": "premium_domain_not_supported",
      "ms-only.com": "domain_not_usable_for_provider",
    };
    for (const [domain, code] of Object.entries(codes)) {
      const answer = await call("POST", "/orders", {
        body: buildCustomOrderBody({ domains: ["fine-acme.com", domain] }),
      });
      expect(answer.status).toBe(400);
      expect(errorOf(answer.json)).toMatchObject({ code, field: "domains[1]" });
    }
    expect(sim.control.state.orders.size).toBe(0);
  });

  it("returns the same order for the same body for 24 hours, then creates a new one", async () => {
    const body = buildCustomOrderBody();
    const first = dataOf<{ id: string }>((await call("POST", "/orders", { body })).json);
    // Key order, case and the password do not change the fingerprint.
    const reordered = { ...Object.fromEntries(Object.entries(body).reverse()), user: "CLIENT@example.com" };
    const again = dataOf<{ id: string }>((await call("POST", "/orders", { body: reordered })).json);
    expect(again.id).toBe(first.id);
    expect(sim.control.state.orders.size).toBe(1);

    sim.control.complete("order", first.id);
    sim.control.advanceTime(DAY - SECOND);
    expect(dataOf<{ id: string }>((await call("POST", "/orders", { body })).json).id).toBe(first.id);
    sim.control.advanceTime(2 * SECOND);
    const later = dataOf<{ id: string }>((await call("POST", "/orders", { body })).json);
    expect(later.id).not.toBe(first.id);
  });

  it("holds domains while an order is in progress or scheduled to cancel, and frees them once cancelled", async () => {
    const first = dataOf<{ id: string }>(
      (await call("POST", "/orders", { body: buildCustomOrderBody() })).json,
    );
    const other = buildCustomOrderBody({ user: "someone@example.com" });
    const held = await call("POST", "/orders", { body: other });
    expect(errorOf(held.json)).toMatchObject({
      code: "domain_already_in_active_order",
      details: { domains: ["acme-mail.com", "team-acme.com"] },
    });

    const cancel = await call("POST", `/orders/${first.id}/cancel`);
    expect(dataOf(cancel.json)).toMatchObject({ status: "cancel_scheduled" });
    expect(errorOf((await call("POST", "/orders", { body: other })).json).code).toBe(
      "domain_already_in_active_order",
    );

    sim.control.finishCancellation(first.id);
    expect(dataOf((await call("GET", `/orders/${first.id}`)).json)).toMatchObject({ status: "cancelled" });
    const placed = await call("POST", "/orders", { body: other });
    expect(placed.status).toBe(200);
    expect(events.map((e) => e.type)).toEqual([
      "order.in_progress",
      "order.cancel_scheduled",
      "order.cancelled",
      "order.in_progress",
    ]);
  });

  it("cancels only the listed domains, by id or name", async () => {
    const { order, domains } = sim.control.seedOrder({ domains: ["d-1.com", "d-2.com", "d-3.com"] });
    const answer = await call("POST", `/orders/${order.id}/cancel`, {
      body: { domains: [domains[0]?.id, "d-2.com"] },
    });
    expect(dataOf(answer.json)).toMatchObject({
      status: "in_progress",
      domains: [
        { id: domains[0]?.id, domain: "d-1.com" },
        { id: domains[1]?.id, domain: "d-2.com" },
      ],
    });
    const unknown = await call("POST", `/orders/${order.id}/cancel`, {
      body: { domains: ["elsewhere.com"] },
    });
    expect(errorOf(unknown.json)).toMatchObject({ code: "invalid_request", field: "domains[0]" });
  });

  it("parks an order with an unreachable picture in action_required with one row per persona", async () => {
    const body = buildCustomOrderBody({
      personas: [
        { first_name: "Alex", last_name: "Rivera", profile_picture_url: "https://cdn.acme.com/alex.jpg" },
        { first_name: "Sam", last_name: "Lee", profile_picture_url: "http://10.0.0.5/sam.jpg" },
      ],
    });
    const order = dataOf<{ id: string; status: string }>((await call("POST", "/orders", { body })).json);
    expect(order.status).toBe("action_required");
    const rows = dataOf<Array<Record<string, unknown>>>(
      (await call("GET", `/orders/pending?order_id=${order.id}`)).json,
    );
    expect(rows).toMatchObject([
      {
        order_id: order.id,
        reason: "profile_picture_not_accessible",
        domain: "acme-mail.com",
        user: { first_name: "Sam" },
      },
    ]);
  });
});

describe("swaps", () => {
  async function connected(provider: "google" | "microsoft" = "google") {
    const { domains } = sim.control.seedOrder({ domains: [{ domain: "old-acme.com", provider }] });
    const domain = domains[0];
    if (!domain) throw new Error("seed failed");
    return domain;
  }

  it("accepts an available or imported replacement", async () => {
    const domain = await connected();
    const created = await call("POST", "/swaps", {
      body: { type: "standard", domain_id: domain.id, replacement_domain: "new-acme.com" },
    });
    expect(created.status).toBe(201);
    expect(dataOf(created.json)).toMatchObject({ status: "created", replacement_domain: "new-acme.com" });
    sim.control.seedDomain({ domain: "imported-acme.com" });
    const imported = await call("POST", "/swaps", {
      body: { type: "standard", domain_id: domain.id, replacement_domain: "imported-acme.com" },
    });
    expect(imported.status).toBe(201);
    const listed = dataOf<unknown[]>((await call("GET", `/swaps?domain_id=${domain.id}`)).json);
    expect(listed).toHaveLength(2);
  });

  it("refuses replacements Peeker would refuse, naming the field", async () => {
    const google = await connected();
    sim.control.setRegistry("taken-acme.com", { status: "taken" });
    sim.control.setRegistry("premium-acme.com", { status: "premium" });
    sim.control.setRegistry("ms-only.com", { status: "available", usable_for: ["microsoft"] });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [
        { type: "standard", replacement_domain: "taken-acme.com" },
        "domain_not_imported",
        "replacement_domain",
      ],
      [
        { type: "standard", replacement_domain: "premium-acme.com" },
        "premium_domain_not_supported",
        "replacement_domain",
      ],
      [{ type: "premium", replacement_domain: "fresh-acme.com" }, "premium_domain_not_supported", "type"],
      [
        { type: "standard", replacement_domain: "ms-only.com" },
        "domain_not_usable_for_provider",
        "replacement_domain",
      ],
      [{ type: "standard", replacement_domain: "not a domain" }, "invalid_request", "replacement_domain"],
      [{ type: "sideways", replacement_domain: "fresh-acme.com" }, "invalid_request", "type"],
    ];
    for (const [body, code, field] of cases) {
      const answer = await call("POST", "/swaps", { body: { domain_id: google.id, ...body } });
      expect(answer.status, code).toBe(400);
      expect(errorOf(answer.json)).toMatchObject({ code, field });
    }
    const unknown = await call("POST", "/swaps", {
      body: { type: "standard", domain_id: "dom_nope", replacement_domain: "x-y.com" },
    });
    expect(errorOf(unknown.json)).toMatchObject({ code: "invalid_request", field: "domain_id" });
    expect(sim.control.state.swaps.size).toBe(0);
  });

  it("completes a swap: the replacement goes live on the order and the old domain's action resolves", async () => {
    const domain = await connected();
    sim.control.requireAction("domain", domain.id, { reason: "replace_domain" });
    const swap = dataOf<{ id: string }>(
      (
        await call("POST", "/swaps", {
          body: { type: "standard", domain_id: domain.id, replacement_domain: "new-acme.com" },
        })
      ).json,
    );
    sim.control.complete("swap", swap.id);
    expect(dataOf((await call("GET", `/swaps/${swap.id}`)).json)).toMatchObject({ status: "completed" });
    const order = dataOf<{ domains: { registered: string[] } }>(
      (await call("GET", `/orders/${domain.order_id}`)).json,
    );
    expect(order.domains.registered).toEqual(["new-acme.com"]);
    expect(events.map((e) => e.type)).toContain("swap.completed");
  });
});

describe("pending actions through the control API", () => {
  it("resolving the last action resumes the resource and fires the events", async () => {
    const domainImport = sim.control.seedImport({ domains: ["late-acme.com"] });
    const [first] = sim.control.requireAction("import", domainImport.id);
    const [second] = sim.control.requireAction("import", domainImport.id, { message: "Still waiting" });
    const blocked = dataOf<{ pending_actions: Array<{ id: string }> }>(
      (await call("GET", `/domains/import/${domainImport.id}`)).json,
    );
    expect(blocked.pending_actions.map((a) => a.id)).toEqual([first, second]);

    expect(sim.control.resolve("import", domainImport.id, first)).toEqual([first]);
    expect(dataOf((await call("GET", `/domains/import/${domainImport.id}`)).json)).toMatchObject({
      status: "action_required",
    });
    sim.control.resolve("import", domainImport.id);
    expect(dataOf((await call("GET", `/domains/import/${domainImport.id}`)).json)).toEqual({
      id: domainImport.id,
      status: "in_progress",
      nameserver_groups: [
        { nameservers: ["helena.ns.cloudflare.com", "idris.ns.cloudflare.com"], domains: ["late-acme.com"] },
      ],
      created_at: expect.any(String),
    });
    sim.control.complete("import", domainImport.id);
    const domains = dataOf<Array<{ domain: string }>>(
      (await call("GET", "/domains?category=inventory")).json,
    );
    expect(domains.map((d) => d.domain)).toEqual(["late-acme.com"]);
    expect(events.map((e) => e.type)).toEqual([
      "domain_import.action_required",
      "domain_import.action_required",
      "domain_import.in_progress",
      "domain_import.completed",
    ]);
  });
});

describe("faults and the rate limit", () => {
  it("answers the next N requests of a route with a 5xx, then normally", async () => {
    sim.control.injectFault({ route: "GET /me", times: 2, fault: { kind: "error", status: 503 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("GET", "/me")).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await call("GET", "/orders")).status).toBe(200);
  });

  it("scripts 429s, latency and dropped connections", async () => {
    sim.control.injectFault({ fault: { kind: "rate_limited", retryAfterSeconds: 3 } });
    const limited = await call("GET", "/orders");
    expect(limited.status).toBe(429);
    expect(errorOf(limited.json)).toMatchObject({
      code: "rate_limited",
      details: { retry_after_seconds: 3 },
    });

    sim.control.injectFault({ route: "GET /me", fault: { kind: "latency", ms: 150 } });
    const started = Date.now();
    expect((await call("GET", "/me")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    sim.control.injectFault({ route: "GET /me", fault: { kind: "drop" } });
    await expect(call("GET", "/me")).rejects.toThrow();
    expect(sim.control.requests({ route: "/me" }).map((r) => r.status)).toEqual([200, 0]);
  });

  it("limits each key to the configured requests per window with retry_after_seconds", async () => {
    sim.control.setRateLimit({ limit: 3, windowMs: 60_000 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call("GET", "/me")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Buckets are per key.
    expect((await call("GET", "/me", { key: SIM_KEYS.read })).status).toBe(200);
    const limited = await call("GET", "/me");
    expect((errorOf(limited.json).details?.retry_after_seconds as number) >= 1).toBe(true);
  });

  it("records every request with the exact body sent", async () => {
    const body = buildCustomOrderBody();
    await call("POST", "/orders", { body });
    const [recorded] = sim.control.requests({ method: "POST", route: "/orders" });
    expect(recorded).toMatchObject({ path: "/orders", body, apiKey: SIM_KEYS.full, status: 200 });
    expect(recorded?.requestId).toMatch(/^req_/);
  });
});

describe("the control API over HTTP", () => {
  async function control(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown) {
    const response = await request(`${sim.origin}/_control${path}`, {
      method,
      dispatcher: agent,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.statusCode,
      json: (await response.body.json()) as { data: Record<string, unknown> },
    };
  }

  it("seeds, moves resources, scripts faults and reads back requests", async () => {
    const seeded = await control("POST", "/orders", {
      email: "http@example.com",
      domains: ["http-acme.com"],
    });
    const orderId = (seeded.json.data.order as { id: string }).id;
    const actions = await control("POST", `/orders/${orderId}/action_required`, {});
    expect((actions.json.data.action_ids as string[])[0]).toMatch(/^act_/);
    expect(dataOf<unknown[]>((await call("GET", "/orders/pending")).json)).toHaveLength(1);
    await control("POST", `/orders/${orderId}/resolve`, {});
    await control("POST", `/orders/${orderId}/cancel`);
    await control("POST", `/orders/${orderId}/cancelled`);
    expect(dataOf((await call("GET", `/orders/${orderId}`)).json)).toMatchObject({ status: "cancelled" });

    await control("POST", "/faults", { route: "GET /me", times: 1, fault: { kind: "error", status: 502 } });
    expect((await call("GET", "/me")).status).toBe(502);
    await control("PUT", "/rate_limit", { limit: 1 });
    expect((await call("GET", "/me")).status).toBe(200);
    expect((await call("GET", "/me")).status).toBe(429);

    const recorded = await control("GET", "/requests?route=/me");
    expect((recorded.json.data as unknown as unknown[]).length).toBe(3);
    expect((await control("POST", "/nowhere")).status).toBe(404);
    await control("POST", "/reset");
    expect(sim.control.state.orders.size).toBe(0);
  });
});
