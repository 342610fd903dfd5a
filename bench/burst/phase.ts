import pg from "pg";
import { startPeekerSim } from "../../test/support/peeker-sim/server.js";
import { startPictureHost } from "../../test/support/picture-host.js";
import { startSlackFake } from "../../test/support/slack-fake/index.js";
import { buildEvent, WebhookSender } from "../../test/support/webhook-sender.js";
import { fleetEnv, startFleet } from "../chaos/bots.js";
import { openChaosDatabase } from "../chaos/database.js";
import { driftOf, snapshot } from "../chaos/measure.js";
import type { Prng } from "../chaos/prng.js";
import { createWorld, type Parked } from "../chaos/world.js";
import { percentile } from "../lib/stats.js";

/**
 * One phase of `npm run bench:burst` (issue #14): a fresh simulator (at `peekerLimit` calls a minute), Slack fake,
 * database and bot; `resources` pending actions of every reason, then `eventsPerResource` webhooks for each within
 * `burstSeconds` — each resource's events in one cluster of up to `clusterMs` at a random moment, as Peeker emits
 * the events of one change together — with a share of the actions resolved in Peeker just before their last event.
 * Measures Peeker calls per resource, when every card is right (drift 0 in the database and the channel), and
 * event → processed and first event → card latencies.
 */
export interface BurstOptions {
  coalesce: boolean;
  resources: number;
  eventsPerResource: number;
  burstSeconds: number;
  clusterMs: number;
  resolvedShare: number;
  peekerLimit: number;
  maxWaitSeconds: number;
  databaseUrl: string | undefined;
}

export interface BurstResult {
  coalesce: boolean;
  events: number;
  resources: number;
  peekerCalls: number;
  callsPerResource: number;
  /** Re-reads begun (the first call of each: an order's pending rows, a domain, an import, a swap) per resource. */
  rereadsPerResource: number;
  /** Peeker calls by route, to see which re-reads cost more than one call. */
  callsByRoute: Record<string, number>;
  burstSeconds: number;
  /** From the end of the burst until drift 0 (database and channel), or undefined if never within the wait. */
  rightAfterSeconds: number | undefined;
  eventsProcessed: number;
  eventToProcessedMs: { p50: number | undefined; p99: number | undefined };
  firstEventToCardMs: { p50: number | undefined; p99: number | undefined };
  driftAtEnd: number;
}

const CHANNEL = "C0BURST0001";
const SECRET = "whsec_burst_bench_secret";
const FAMILY: Record<Parked["kind"], string> = {
  order: "order",
  domain: "domain",
  import: "domain_import",
  swap: "swap",
};

export async function runBurstPhase(options: BurstOptions, prng: Prng): Promise<BurstResult> {
  const database = await openChaosDatabase(options.databaseUrl);
  const sim = await startPeekerSim({ rateLimit: { limit: options.peekerLimit, windowMs: 60_000 } });
  const slack = await startSlackFake();
  const pictures = await startPictureHost();
  const client = new pg.Client({ connectionString: database.url });
  const fleet = await startFleet(
    fleetEnv(
      {
        databaseUrl: database.url,
        peekerUrl: sim.url,
        slackUrl: slack.apiUrl,
        webhookSecret: SECRET,
        channel: CHANNEL,
      },
      {
        RECONCILE_CRON: "off",
        EVENT_COALESCING: options.coalesce ? "on" : "off",
        ...pictures.env(),
      },
    ),
    1,
  );
  try {
    await client.connect();
    // Seeding emits the simulator's own events: none reaches the bot, the burst is the only traffic.
    sim.control.onEvent = () => {};
    const world = createWorld(sim, { onEvent: () => {} } as never, prng.fork("world"), "burst");
    const parked = world.seed(Math.ceil(options.resources / 4)).slice(0, options.resources);
    const bot = fleet.live()[0];
    if (!bot) throw new Error("the bot did not start");
    const sender = new WebhookSender({ url: `${bot.url}/peeker/webhooks`, secrets: [SECRET] });
    sim.control.clearRequests();

    const schedule = burstSchedule(parked, options, prng.fork("schedule"));
    const firstSent = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      schedule.map(async ({ resource, atMs, last }) => {
        const wait = started + atMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (last && resource.resolve) sim.control.resolve(resource.parked.kind, resource.parked.id);
        const key = `${resource.parked.kind}:${resource.parked.id}`;
        if (!firstSent.has(key)) firstSent.set(key, Date.now());
        const family = FAMILY[resource.parked.kind];
        await sender.send(
          buildEvent({
            type: `${family}.action_required`,
            data: { id: resource.parked.id, status: "action_required" },
          }),
        );
      }),
    );
    const burstEnd = Date.now();

    let rightAt: number | undefined;
    let last = await snapshot(client, sim, slack, CHANNEL);
    while (Date.now() - burstEnd < options.maxWaitSeconds * 1000) {
      last = await snapshot(client, sim, slack, CHANNEL);
      const depth = Number(
        (await client.query("SELECT count(*) AS n FROM webhook_events WHERE processed_at IS NULL")).rows[0].n,
      );
      if (driftOf(last) === 0 && last.outbox === 0) rightAt ??= Date.now();
      if (rightAt !== undefined && depth === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const gets = sim.control.requests().filter((r) => r.method === "GET");
    const calls = gets.length;
    const callsByRoute: Record<string, number> = {};
    for (const r of gets) callsByRoute[String(r.route)] = (callsByRoute[String(r.route)] ?? 0) + 1;
    const latencies = await client.query<{ ms: number }>(
      `SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms FROM webhook_events WHERE processed_at IS NOT NULL`,
    );
    const eventMs = latencies.rows.map((r) => Number(r.ms));
    return {
      coalesce: options.coalesce,
      events: schedule.length,
      resources: parked.length,
      peekerCalls: calls,
      callsPerResource: calls / parked.length,
      callsByRoute,
      rereadsPerResource:
        gets.filter(
          (r) =>
            (r.route === "/orders/pending" && r.query.order_id !== undefined) ||
            r.route === "/domains/{id}" ||
            r.route === "/domains/import/{id}" ||
            r.route === "/swaps/{id}",
        ).length / parked.length,
      burstSeconds: (burstEnd - started) / 1000,
      rightAfterSeconds: rightAt === undefined ? undefined : Math.max(0, (rightAt - burstEnd) / 1000),
      eventsProcessed: eventMs.length,
      eventToProcessedMs: { p50: percentile(eventMs, 50), p99: percentile(eventMs, 99) },
      firstEventToCardMs: cardLatencies(
        slack.channelMessages(CHANNEL),
        await cardResources(client),
        firstSent,
      ),
      driftAtEnd: driftOf(last),
    };
  } finally {
    await client.end().catch(() => {});
    await fleet.stop();
    await Promise.all([sim.close(), slack.close(), pictures.close()]);
    await database.close();
  }
}

interface ScheduledEvent {
  resource: { parked: Parked; resolve: boolean };
  atMs: number;
  last: boolean;
}

/** Each resource's events in one cluster at a random moment of the burst; a share resolved at their last event. */
function burstSchedule(parked: Parked[], options: BurstOptions, prng: Prng): ScheduledEvent[] {
  const out: ScheduledEvent[] = [];
  const spanMs = options.burstSeconds * 1000 - options.clusterMs;
  for (const p of parked) {
    const resource = { parked: p, resolve: prng.next() < options.resolvedShare };
    const start = prng.next() * spanMs;
    const times = Array.from(
      { length: options.eventsPerResource },
      () => start + prng.next() * options.clusterMs,
    ).sort((a, b) => a - b);
    times.forEach((atMs, i) => {
      out.push({ resource, atMs, last: i === times.length - 1 });
    });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** Card key → the resource (`kind:id`) its first event named, from the bot's rows. */
async function cardResources(client: pg.Client): Promise<Map<string, string>> {
  const rows = await client.query<{ card_key: string; kind: string; id: string }>(
    `SELECT card_key,
            CASE resource_kind WHEN 'domain_import' THEN 'import' ELSE resource_kind END AS kind,
            CASE resource_kind WHEN 'order' THEN order_id WHEN 'domain_import' THEN import_id
                               WHEN 'swap' THEN swap_id ELSE domain_id END AS id
       FROM pending_actions`,
  );
  return new Map(rows.rows.map((r) => [r.card_key, `${r.kind}:${r.id}`]));
}

function cardLatencies(
  messages: Array<{ ts: string; metadata?: { event_payload: Record<string, unknown> } }>,
  resources: Map<string, string>,
  firstSent: Map<string, number>,
) {
  const ms: number[] = [];
  for (const m of messages) {
    const key = String(m.metadata?.event_payload.card_key ?? "");
    const resource = resources.get(key);
    const sent = resource ? firstSent.get(resource) : undefined;
    if (sent !== undefined) ms.push(Number(m.ts) * 1000 - sent);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}
