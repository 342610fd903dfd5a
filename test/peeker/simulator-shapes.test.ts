/**
 * The simulator must speak Peeker's dialect, not its own: each answer is compared, field name for field name
 * and type for type, with the JSON examples of reference §§2–3 (copied below verbatim) and the decisions of
 * design §8 (marked where they add to an example).
 */
import { Agent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";
import { buildCustomOrderBody, rawCaller, shapeOf } from "../support/peeker-sim/testing.js";

// ---- Fixtures: reference §§1–3, verbatim unless a comment says otherwise. ----

const ME = {
  data: {
    api_key: { environment: "test", permission_preset: "full" },
    partner: { id: "org_01HZX0OG1A2B3C4D5E6F7G8H", name: "Acme Resellers" },
  },
};

/** Reference §3.7 `GET /orders/pending`, plus `order_id` on the row (design §8). */
const PENDING_LIST = {
  data: [
    {
      id: "act_01HZX0AC1A2B3C4D5E6F7G8H",
      type: "google_profile_picture",
      reason: "profile_picture_not_accessible",
      status: "open",
      order_id: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
      domain_id: "dom_01HZX0D01A2B3C4D5E6F7G8H",
      domain: "acme-mail.com",
      user: { first_name: "Sam", last_name: "Lee", profile_picture_url: "https://cdn.acme.com/sam.jpg" },
      message: "The profile picture URL must be a publicly accessible image URL.",
      created_at: "2026-05-08T12:00:00Z",
    },
  ],
  links: { first: "https://api.peeker.ai/partner/v1/orders/pending?status=open&per_page=25", next: null },
  meta: { path: "https://api.peeker.ai/partner/v1/orders/pending", per_page: 25, returned: 1 },
};

const ORDER_RECEIPT = {
  data: {
    id: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
    user_id: "usr_01HZX0C6Z3K4M5N6P7Q8R9S0",
    email: "client@example.com",
    bundle_id: "bun_123",
    status: "in_progress",
    domain_count: 2,
    costs: { total_cents: 6800, currency: "usd" },
    renews_at: "2026-06-08T12:00:00Z",
    created_at: "2026-05-08T12:00:00Z",
  },
};

/**
 * Reference §3.7 `GET /orders` row, plus `renews_at`: the reference calls the receipt "the same row shape as the
 * list" and the receipt has it, so rows carry it too.
 */
const ORDER_ROW = {
  id: "ord_01HZX0OR2A2B3C4D5E6F7G8H",
  user_id: "usr_01HZX0C7Z3K4M5N6P7Q8R9S0",
  email: "sam@acme.com",
  bundle_id: null,
  status: "completed",
  domain_count: 1,
  costs: { total_cents: 4000, currency: "usd" },
  renews_at: "2026-05-30T16:22:00Z",
  created_at: "2026-04-30T16:22:00Z",
};

/**
 * Reference §3.7's inferred full order for a custom order (`bundle_id: null`), with `users` under its June name
 * `personas` and design §8's additions (licenses, density, forwarding_url, sequencer without credentials), plus
 * `renews_at` from the lean row it extends.
 */
const ORDER_FULL = {
  data: {
    id: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
    user_id: "usr_01HZX0C6Z3K4M5N6P7Q8R9S0",
    email: "client@example.com",
    bundle_id: null,
    status: "in_progress",
    domain_count: 12,
    costs: {
      total_cents: 36800,
      currency: "usd",
      line_items: [{ type: "google_license", quantity: 20, amount_cents: 2000 }],
    },
    domains: { registered: ["domain-01.com", "domain-02.com"], imported: ["team-acme.com"] },
    personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "https://cdn.acme.com/sam.jpg" }],
    google_licenses: 20,
    microsoft_licenses: 2,
    google_inboxes_per_domain: 2,
    forwarding_url: "https://acme.com",
    sequencer: { provider: "smartlead", client_id: 366903 },
    renews_at: "2026-06-08T12:00:00Z",
    created_at: "2026-05-08T12:00:00Z",
  },
};

const CANCEL_RESPONSE = {
  data: {
    id: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
    status: "cancel_scheduled",
    cancellation_scheduled_at: "2026-05-08T12:00:00Z",
    cancels_at: "2026-06-07T12:00:00Z",
    domains: [
      { id: "dom_01HZX0D01A2B3C4D5E6F7G8H", domain: "domain-01.com" },
      { id: "dom_01HZX0D02A2B3C4D5E6F7G8H", domain: "domain-02.com" },
    ],
  },
};

const SWAP_RESPONSE = {
  data: {
    id: "swp_01HZX0SW1A2B3C4D5E6F7G8H",
    type: "premium",
    domain_id: "dom_01HZX0D01A2B3C4D5E6F7G8H",
    replacement_domain: "acme-fresh.com",
    status: "created",
    created_at: "2026-05-08T12:00:00Z",
  },
};

const AVAILABILITY = {
  data: {
    domains: [
      {
        domain: "acme-mail.com",
        available: true,
        price_cents: 1300,
        renewal_price_cents: 1500,
        currency: "usd",
        usable_for: ["google", "microsoft"],
        premium: false,
      },
      { domain: "team-acme.com", available: false, premium: false, reason: "taken" },
      { domain: "premium-domain.com", available: false, premium: true, reason: "premium" },
    ],
  },
};

const DOMAIN_CONNECTED_ROW = {
  id: "dom_01HZX0D01A2B3C4D5E6F7G8H",
  domain: "acme-mail.com",
  category: "connected",
  status: "active",
  provider: "google",
  user_id: "usr_01HZX0C6Z3K4M5N6P7Q8R9S0",
  order_id: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
  usable_for: ["google", "microsoft"],
  forwarding_url: "https://acme.com",
  created_at: "2026-05-08T12:00:00Z",
};

const DOMAIN_INVENTORY_ROW = {
  id: "dom_01HZX0D09A2B3C4D5E6F7G8H",
  domain: "spare-acme.com",
  category: "inventory",
  status: "available",
  usable_for: ["google", "microsoft"],
  created_at: "2026-05-08T12:00:00Z",
};

/** Reference §3.5's inferred import object (nameserver_groups as design §8 fixes them). */
const IMPORT = {
  data: {
    id: "imp_01HZX0IM1A2B3C4D5E6F7G8H",
    status: "in_progress",
    nameserver_groups: [
      {
        nameservers: ["helena.ns.cloudflare.com", "idris.ns.cloudflare.com"],
        domains: ["acme-mail.com", "team-acme.com"],
      },
    ],
    created_at: "2026-05-08T12:00:00Z",
  },
};

/** Design §8: a blocked domain, import or swap adds `reason`, `message` and `pending_actions[]`. */
const ACTION_FIELDS = {
  reason: "update_nameservers",
  message: "Point the nameservers at the ones listed.",
  pending_actions: [{ id: "act_01HZX0AC1A2B3C4D5E6F7G8H", reason: "update_nameservers", message: "…" }],
};

const USER = {
  id: "usr_01HZX0C6Z3K4M5N6P7Q8R9S0",
  email: "alex@acme.com",
  first_name: "Alex",
  last_name: "Rivera",
  status: "active",
  sequencer: { provider: "smartlead", client_id: 366903 },
  created_at: "2026-05-08T12:00:00Z",
};

const ERROR_WITH_FIELD = {
  error: {
    code: "domain_count_mismatch",
    message: "Submitted domain count does not match the order plan",
    field: "domains",
    details: { required_count: 4, submitted_count: 2, missing_count: 2 },
  },
};

const ERROR_RATE_LIMITED = {
  error: { code: "rate_limited", message: "API rate limit exceeded", details: { retry_after_seconds: 12 } },
};

// ---- Tests ----

let sim: PeekerSim;
const agent = new Agent();
let call: ReturnType<typeof rawCaller>;

beforeAll(async () => {
  sim = await startPeekerSim();
  call = rawCaller(sim, agent);
});

afterAll(async () => {
  await sim.close();
  await agent.close();
});

beforeEach(() => sim.control.reset());

describe("the simulator's answers have the reference's shapes", () => {
  it("GET /me", async () => {
    const answer = await call("GET", "/me");
    expect(answer.status).toBe(200);
    expect(shapeOf(answer.json)).toEqual(shapeOf(ME));
    expect(answer.json).toMatchObject({
      data: { api_key: { environment: "test", permission_preset: "full" } },
    });
  });

  it("GET /orders/pending, envelope and row", async () => {
    const { order } = sim.control.seedOrder({
      status: "action_required",
      domains: ["acme-mail.com"],
      personas: [{ first_name: "Sam", last_name: "Lee", profile_picture_url: "http://localhost/sam.jpg" }],
    });
    const answer = await call("GET", "/orders/pending");
    expect(answer.status).toBe(200);
    expect(shapeOf(answer.json)).toEqual(shapeOf(PENDING_LIST));
    expect(answer.json).toMatchObject({
      data: [
        { order_id: order.id, reason: "profile_picture_not_accessible", type: "google_profile_picture" },
      ],
      links: { first: `${sim.url}/orders/pending?status=open&per_page=25`, next: null },
      meta: { path: `${sim.url}/orders/pending`, per_page: 25, returned: 1 },
    });
  });

  it("POST /orders receipt and GET /orders row", async () => {
    sim.control.seedBundle({ id: "bun_123", required_domains: { google: 2, microsoft: 0 } });
    const receipt = await call("POST", "/orders", {
      body: {
        ...buildCustomOrderBody(),
        google_licenses: undefined,
        google_inboxes_per_domain: undefined,
        bundle_id: "bun_123",
      },
    });
    expect(receipt.status).toBe(200);
    expect(shapeOf(receipt.json)).toEqual(shapeOf(ORDER_RECEIPT));

    await call("POST", "/orders", {
      body: buildCustomOrderBody({ domains: ["other-a.com", "other-b.com"] }),
    });
    const list = await call("GET", "/orders");
    const rows = (list.json as { data: unknown[] }).data;
    expect(rows).toHaveLength(2);
    // Newest first: the custom order (bundle_id null), as in the reference row.
    expect(shapeOf(rows[0])).toEqual(shapeOf(ORDER_ROW));
    expect(shapeOf({ data: rows[1] })).toEqual(shapeOf(ORDER_RECEIPT));
  });

  it("GET /orders/{id} of a custom order", async () => {
    sim.control.seedDomain({ domain: "team-acme.com" });
    const receipt = await call("POST", "/orders", {
      body: buildCustomOrderBody({
        google_licenses: 4,
        microsoft_licenses: 1,
        domains: ["acme-mail.com", "team-acme.com", "ms-acme.com"],
      }),
    });
    const id = (receipt.json as { data: { id: string } }).data.id;
    const answer = await call("GET", `/orders/${id}`);
    expect(answer.status).toBe(200);
    expect(shapeOf(answer.json)).toEqual(shapeOf(ORDER_FULL));
    expect(answer.json).toMatchObject({
      data: { domains: { registered: ["acme-mail.com", "ms-acme.com"], imported: ["team-acme.com"] } },
    });
    expect(JSON.stringify(answer.json)).not.toContain("secret-password");
    expect(JSON.stringify(answer.json)).not.toContain("login_email");
  });

  it("POST /orders/{id}/cancel", async () => {
    const { order } = sim.control.seedOrder({ domains: ["domain-01.com", "domain-02.com"] });
    const answer = await call("POST", `/orders/${order.id}/cancel`);
    expect(answer.status).toBe(200);
    expect(shapeOf(answer.json)).toEqual(shapeOf(CANCEL_RESPONSE));
    expect(answer.json).toMatchObject({ data: { status: "cancel_scheduled" } });
  });

  it("POST /swaps", async () => {
    const { domains } = sim.control.seedOrder({
      domains: [{ domain: "acme-ms.com", provider: "microsoft" }],
    });
    const answer = await call("POST", "/swaps", {
      body: { type: "premium", domain_id: domains[0]?.id, replacement_domain: "acme-fresh.com" },
    });
    expect(answer.status).toBe(201);
    expect(shapeOf(answer.json)).toEqual(shapeOf(SWAP_RESPONSE));
    const swapId = (answer.json as { data: { id: string } }).data.id;
    expect(shapeOf((await call("GET", `/swaps/${swapId}`)).json)).toEqual(shapeOf(SWAP_RESPONSE));
  });

  it("POST /domains/availability, one row per kind", async () => {
    sim.control.seedDomain({ domain: "team-acme.com" });
    sim.control.setRegistry("premium-domain.com", { status: "premium" });
    const answer = await call("POST", "/domains/availability", {
      body: { domains: ["acme-mail.com", "team-acme.com", "premium-domain.com"] },
    });
    expect(answer.status).toBe(200);
    const rows = (answer.json as { data: { domains: unknown[] } }).data.domains;
    expect(rows.map(shapeOf)).toEqual(AVAILABILITY.data.domains.map(shapeOf));
    expect(answer.json).toEqual(AVAILABILITY);
  });

  it("GET /domains rows, connected and inventory, and GET /domains/{id}", async () => {
    sim.control.seedOrder({ domains: ["acme-mail.com"], forwarding_url: "https://acme.com" });
    const spare = sim.control.seedDomain({ domain: "spare-acme.com" });
    const answer = await call("GET", "/domains?category=connected");
    expect(shapeOf((answer.json as { data: unknown[] }).data[0])).toEqual(shapeOf(DOMAIN_CONNECTED_ROW));
    const inventory = await call("GET", "/domains?category=inventory");
    expect(shapeOf((inventory.json as { data: unknown[] }).data[0])).toEqual(shapeOf(DOMAIN_INVENTORY_ROW));
    const one = await call("GET", `/domains/${spare.id}`);
    expect(shapeOf(one.json)).toEqual(shapeOf({ data: DOMAIN_INVENTORY_ROW }));
  });

  it("imports, plain and waiting for nameservers, by id and by domain", async () => {
    const plain = sim.control.seedImport({ domains: ["acme-mail.com", "team-acme.com"] });
    expect(shapeOf((await call("GET", `/domains/import/${plain.id}`)).json)).toEqual(shapeOf(IMPORT));

    const waiting = sim.control.seedImport({ domains: ["late-acme.com"], status: "action_required" });
    const blocked = await call("GET", `/domains/import/${waiting.id}`);
    expect(shapeOf(blocked.json)).toEqual(
      shapeOf({ data: { ...IMPORT.data, status: "action_required", ...ACTION_FIELDS } }),
    );
    expect(blocked.json).toMatchObject({ data: { status: "action_required", reason: "update_nameservers" } });

    const lookup = await call("GET", "/domains/import?domains=late-acme.com,nothing.com");
    expect(lookup.json).toMatchObject({
      data: [{ id: waiting.id }],
      links: { next: null },
      meta: { returned: 1 },
    });
  });

  it("blocked domains and swaps carry reason, message and pending_actions", async () => {
    const { domains } = sim.control.seedOrder({
      domains: ["acme-mail.com"],
      forwarding_url: "https://acme.com",
    });
    const domain = domains[0];
    if (!domain) throw new Error("seed failed");
    const [domainAction] = sim.control.requireAction("domain", domain.id, { reason: "replace_domain" });
    const swap = sim.control.seedSwap({
      domain_id: domain.id,
      replacement_domain: "acme-fresh.com",
      status: "action_required",
    });

    const domainAnswer = await call("GET", `/domains/${domain.id}`);
    expect(shapeOf(domainAnswer.json)).toEqual(
      shapeOf({ data: { ...DOMAIN_CONNECTED_ROW, ...ACTION_FIELDS } }),
    );
    expect(domainAnswer.json).toMatchObject({
      data: { status: "action_required", reason: "replace_domain", pending_actions: [{ id: domainAction }] },
    });
    const swapAnswer = await call("GET", `/swaps/${swap.id}`);
    expect(shapeOf(swapAnswer.json)).toEqual(shapeOf({ data: { ...SWAP_RESPONSE.data, ...ACTION_FIELDS } }));
  });

  it("GET /users/{id}", async () => {
    const user = sim.control.seedUser({ email: "alex@acme.com", first_name: "Alex", last_name: "Rivera" });
    const answer = await call("GET", `/users/${user.id}`);
    expect(shapeOf(answer.json)).toEqual(shapeOf({ data: USER }));
  });

  it("error envelopes, with field and details, and rate_limited", async () => {
    const mismatch = await call("POST", "/orders", { body: buildCustomOrderBody({ google_licenses: 8 }) });
    expect(mismatch.status).toBe(400);
    expect(shapeOf(mismatch.json)).toEqual(shapeOf(ERROR_WITH_FIELD));
    expect(mismatch.json).toMatchObject({
      error: {
        code: "domain_count_mismatch",
        details: { required_count: 4, submitted_count: 2, missing_count: 2 },
      },
    });

    sim.control.setRateLimit({ limit: 1 });
    await call("GET", "/me");
    const limited = await call("GET", "/me");
    expect(limited.status).toBe(429);
    expect(shapeOf(limited.json)).toEqual(shapeOf(ERROR_RATE_LIMITED));
  });

  it("every answer, error or not, carries a Peeker-Request-Id", async () => {
    const answers = await Promise.all([
      call("GET", "/me"),
      call("GET", "/me", { key: null }),
      call("GET", "/orders/ord_missing"),
      call("GET", "/nowhere"),
      call("POST", "/orders", { key: SIM_KEYS.read, body: {} }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 404, 403]);
    for (const answer of answers) expect(answer.requestId).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(answers.map((a) => a.requestId)).size).toBe(answers.length);
  });
});
