/**
 * Timing behaviour of the client, measured on the simulator's clock of arrival: the request budget under a
 * thousand queued calls, the client-wide pause after a 429, and the interactive deadline.
 */
import { Agent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RequestBudget } from "../../src/peeker/budget.js";
import { type PeekerCallInfo, PeekerClient, type PeekerClientOptions } from "../../src/peeker/client.js";
import { PeekerError } from "../../src/peeker/errors.js";
import type { RecordedRequest } from "../support/peeker-sim/control.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";
import { SIM_KEYS } from "../support/peeker-sim/state.js";

let sim: PeekerSim;
const agent = new Agent({ connections: 64 });

beforeAll(async () => {
  sim = await startPeekerSim();
});

afterAll(async () => {
  await sim.close();
  await agent.close();
});

beforeEach(() => {
  sim.control.reset();
  // These tests are about the client's own limits; the simulator's 600/min would get in the way.
  sim.control.setRateLimit({ limit: 1_000_000 });
});

function makeClient(options: Partial<PeekerClientOptions> = {}): PeekerClient {
  return new PeekerClient({
    apiKey: SIM_KEYS.full,
    baseUrl: sim.url,
    dispatcher: agent,
    random: () => 0,
    ...options,
  });
}

/** The most requests that arrived inside any window of `windowMs`. */
function busiestWindow(requests: RecordedRequest[], windowMs: number): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe("the request budget", () => {
  it("holds 50 per 200 ms under 1,000 queued calls and serves interactive calls first", async () => {
    const limit = 50;
    const windowMs = 200;
    const client = makeClient({ budget: { limit, windowMs } });
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });

    const background = Array.from({ length: 1_000 }, () => client.getOrder(order.id));
    const interactive = Array.from({ length: 10 }, () => client.me({ interactive: true }));
    const results = await Promise.allSettled([...background, ...interactive]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const sent = [...sim.control.requests()].sort((a, b) => a.seq - b.seq);
    expect(sent).toHaveLength(1_010);
    expect(busiestWindow(sent, windowMs)).toBeLessThanOrEqual(limit);
    // The first window went to the background calls already granted; the interactive ones came right after,
    // ahead of the 940-odd background calls still queued.
    const interactivePositions = sent.flatMap((r, index) => (r.route === "/me" ? [index] : []));
    expect(interactivePositions).toHaveLength(10);
    expect(Math.max(...interactivePositions)).toBeLessThan(limit + 20);
  });
});

describe("the request budget on an injected clock", () => {
  it("serves interactive waiters first and nobody before a pause ends", async () => {
    let now = 0;
    const timers: Array<{ at: number; resolve: () => void }> = [];
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          timers.splice(timers.indexOf(timer), 1);
          reject(signal.reason);
        });
      });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const advance = async (ms: number) => {
      now += ms;
      for (const timer of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.resolve();
      }
      await settle();
    };
    const budget = new RequestBudget({ limit: 2, windowMs: 1_000 }, { now: () => now, sleep });
    const granted: string[] = [];
    const take = (name: string, interactive: boolean) =>
      budget.acquire({ interactive }).then((slot) => {
        granted.push(name);
        return slot;
      });

    const a = await take("a", false);
    const b = await take("b", false);
    void take("c", false);
    void take("d", true);
    a.release();
    b.release();
    budget.pause(1_500);
    await settle();
    expect(granted).toEqual(["a", "b"]);
    await advance(1_000);
    // The window has room again, but the pause holds everyone.
    expect(granted).toEqual(["a", "b"]);
    await advance(500);
    expect(granted).toEqual(["a", "b", "d", "c"]);
  });
});

describe("a 429 answer", () => {
  it("pauses every call of the client for retry_after_seconds, then retries the call that got it", async () => {
    const client = makeClient({
      budget: { limit: 5, windowMs: 100 },
      onCall: (info: PeekerCallInfo) => {
        if (info.outcome === "rate_limited") {
          // Calls made during the pause must wait for it too.
          others.push(...Array.from({ length: 4 }, () => client.me()), client.getOrder(order.id));
        }
      },
    });
    const others: Array<Promise<unknown>> = [];
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    sim.control.injectFault({
      route: "GET /orders/{id}",
      fault: { kind: "rate_limited", retryAfterSeconds: 1 },
    });

    const started = Date.now();
    const result = await client.getOrder(order.id);
    await Promise.all(others);
    expect(result.data.id).toBe(order.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);

    const sent = [...sim.control.requests()].sort((a, b) => a.seq - b.seq);
    const limited = sent.find((r) => r.status === 429);
    if (!limited) throw new Error("no 429 recorded");
    const after = sent.filter((r) => r.seq > limited.seq);
    expect(after).toHaveLength(6);
    for (const request of after) expect(request.at - limited.at).toBeGreaterThanOrEqual(1_000);
    expect(sim.control.requests({ route: "/orders/{id}" }).map((r) => r.status)).toEqual([429, 200, 200]);
  });

  it("does not make an interactive caller wait out a long pause", async () => {
    const client = makeClient();
    sim.control.injectFault({ route: "GET /me", fault: { kind: "rate_limited", retryAfterSeconds: 30 } });
    const first = await client.me({ interactive: true }).catch((error: unknown) => error);
    expect(first).toMatchObject({ code: "rate_limited", status: 429 });
    expect(client.pausedUntil).toBeInstanceOf(Date);

    const started = Date.now();
    const second = await client.me({ interactive: true }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(PeekerError);
    expect(second).toMatchObject({ code: "rate_limited", status: undefined, details: { local: true } });
    // Refused locally, not after the 30 s pause: far below it even on a loaded machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sim.control.requests()).toHaveLength(1);
  });
});

describe("interactive calls", () => {
  it("fail with a timeout at the 2.5 s deadline and are not retried", async () => {
    const attempts: PeekerCallInfo[] = [];
    const client = makeClient({ onCall: (info) => attempts.push(info) });
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    sim.control.injectFault({
      route: "GET /orders/{id}",
      times: "always",
      fault: { kind: "latency", ms: 3_000 },
    });

    const started = Date.now();
    const error = await client.getOrder(order.id, { interactive: true }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(PeekerError);
    expect(error).toMatchObject({ code: "timeout" });
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    // No upper bound on a loaded machine: a "timeout" already shows the call did not wait for the 3 s answer
    // (a background call would have had it within its 10 s). One attempt, by the client's own count (each attempt
    // is reported before the call settles), so no retry can still be on its way.
    expect(attempts).toHaveLength(1);
    expect(sim.control.requests({ route: "/orders/{id}" })).toHaveLength(1);
    sim.control.clearFaults();
  });

  it("keep a shorter configured deadline, while background calls of the same route retry", async () => {
    const client = makeClient({ interactiveDeadlineMs: 300, timeoutMs: 300 });
    const { order } = sim.control.seedOrder({ domains: ["acme-mail.com"] });
    sim.control.injectFault({ route: "GET /orders/{id}", times: 2, fault: { kind: "latency", ms: 500 } });

    const interactive = await client.getOrder(order.id, { interactive: true }).catch((e: unknown) => e);
    expect(interactive).toMatchObject({ code: "timeout" });
    const background = await client.getOrder(order.id);
    expect(background.data.id).toBe(order.id);
    // One interactive attempt; the background call timed out once, then went through.
    expect(sim.control.requests({ route: "/orders/{id}" })).toHaveLength(3);
  });

  it("can be aborted by the caller", async () => {
    const client = makeClient();
    sim.control.injectFault({ route: "GET /me", fault: { kind: "latency", ms: 1_000 } });
    const controller = new AbortController();
    const pending = client.me({ signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ code: "aborted" });
  });
});
