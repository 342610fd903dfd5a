/**
 * `npm run bench:soak` — a long steady load on one real bot process (`node dist/cli.js start`): BENCH_SECONDS
 * (600) at BENCH_RATE (200) deliveries/s, open loop, every 20th one a real `order.action_required` of an order
 * just parked in the Peeker simulator (a Peeker re-read and a card posted to the Slack fake), the rest cheap
 * deliveries of an unknown type (stored, acknowledged, audited). Every 10 s it samples the bot's RSS
 * (/proc/<pid>/status) and its /metrics (prom-client's `nodejs_eventloop_lag_p99_seconds`, whose histogram is
 * reset on every scrape, so each sample is the p99 of the 10 s since the previous one). Reports RSS and lag p99
 * after a 30 s warm-up and at the end, RSS growth, ack latency over the run and the inbox depth at the end.
 * Prints a table, writes JSON to bench/results/, exits 1 when a target is missed. Settings: bench/README.md.
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { SimEvent } from "../test/support/peeker-sim/state.js";
import { REPO } from "./lib/bot.js";
import { type LazyRequests, openLoop, type PreparedRequest } from "./lib/open-loop.js";
import { inboxDepth, rssMb, scrapeMetrics, slope } from "./lib/sampling.js";
import { type BenchStack, signedDelivery, startBenchStack } from "./lib/stack.js";
import { ms, percentile, printTable, type Row, writeResults } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 600);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const CARD_EVERY = 20;
const SAMPLE_MS = 10_000;
const WARMUP_SECONDS = 30;
const CHANNEL = "C0BENCHSOAK1";

interface Sample {
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  heapUsedMb: number;
  lagP99Ms: number;
  lagMaxMs: number;
  inboxDepth: number;
  outboxDepth: number;
  cardsPosted: number;
}

async function sample(stack: BenchStack, startedAt: number): Promise<Sample> {
  const [rss, metrics] = await Promise.all([rssMb(stack.bot.pid), scrapeMetrics(`${stack.bot.url}/metrics`)]);
  const sum = (prefix: string) =>
    [...metrics].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
  return {
    t: (Date.now() - startedAt) / 1000,
    rssMb: rss,
    heapUsedMb: (metrics.get("nodejs_heap_size_used_bytes") ?? Number.NaN) / 2 ** 20,
    lagP99Ms: (metrics.get("nodejs_eventloop_lag_p99_seconds") ?? Number.NaN) * 1000,
    lagMaxMs: (metrics.get("nodejs_eventloop_lag_max_seconds") ?? Number.NaN) * 1000,
    inboxDepth: metrics.get("peeker_inbox_depth") ?? Number.NaN,
    outboxDepth: sum("peeker_outbox_depth"),
    cardsPosted: stack.slack.channelMessages(CHANNEL).length,
  };
}

/** Samples every 10 s from `startedAt` until stopped; `stop` takes one last sample (the end of the run). */
function startSampler(stack: BenchStack, startedAt: number) {
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const take = () => {
    inFlight.push(
      sample(stack, startedAt)
        .then((s) => {
          samples.push(s);
          console.log(
            `  t=${s.t.toFixed(0)} s rss ${s.rssMb.toFixed(1)} MB, lag p99 ${s.lagP99Ms.toFixed(1)} ms, inbox ${s.inboxDepth}, cards ${s.cardsPosted}`,
          );
        })
        .catch((error: Error) => console.error(`sample failed: ${error.message}`)),
    );
  };
  const timer = setInterval(take, SAMPLE_MS);
  return {
    async stop(): Promise<Sample[]> {
      clearInterval(timer);
      take();
      await Promise.all(inFlight);
      return samples.sort((a, b) => a.t - b.t);
    },
  };
}

/** Request i: a card every CARD_EVERY-th (an order parked in the simulator now), else a cheap delivery. */
function deliveries(stack: BenchStack, count: number): LazyRequests & { cards: () => number } {
  let latest: SimEvent | undefined;
  stack.sim.control.onEvent = (event) => {
    latest = event;
  };
  const take = () => {
    const event = latest;
    latest = undefined;
    return event;
  };
  let cards = 0;
  return {
    length: count,
    cards: () => cards,
    get(index: number): PreparedRequest {
      if (index % CARD_EVERY !== 0) {
        const id = `evt_${randomUUID().replaceAll("-", "")}`;
        return signedDelivery({ id, type: "bench.delivery", data: { id: `bench_${index}`, status: "ok" } });
      }
      take();
      stack.sim.control.seedOrder({ status: "action_required", domains: [`bench-soak-${index}.com`] });
      const event = take();
      if (event?.type !== "order.action_required")
        throw new Error("the simulator emitted no action_required");
      cards++;
      return signedDelivery(event);
    },
  };
}

interface Outcome {
  samples: Sample[];
  ack: number[];
  non200: number;
  elapsedMs: number;
  cardDeliveries: number;
  depthAtEnd: number;
  cardsAtEnd: number;
}

function tableOf(o: Outcome): Row[] {
  const start = o.samples.find((s) => s.t >= WARMUP_SECONDS) ?? o.samples[0];
  const end = o.samples.at(-1);
  const growth = start && end ? end.rssMb - start.rssMb : Number.NaN;
  const after = o.samples.filter((s) => start && s.t >= start.t);
  const perMinute = slope(after.map((s) => ({ x: s.t / 60, y: s.rssMb })));
  const worstLag = Math.max(...after.map((s) => s.lagP99Ms));
  const mb = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "n/a" : `${v.toFixed(1)} MB`);
  const p = (q: number) => percentile(o.ack, q);
  const lagOk = (s: Sample | undefined) => s !== undefined && s.lagP99Ms <= 50;
  const at = (s: Sample | undefined) => (s ? `t=${s.t.toFixed(0)} s` : "n/a");
  return [
    {
      what: `deliveries answered 200 / sent (${((1000 * o.ack.length) / o.elapsedMs).toFixed(0)}/s achieved)`,
      measured: `${o.ack.length - o.non200} / ${o.ack.length}`,
      target: "all",
      ok: o.non200 === 0,
    },
    { what: "ack p50 over the run", measured: ms(p(50)), target: "—", ok: undefined },
    { what: "ack p99 over the run", measured: ms(p(99)), target: "—", ok: undefined },
    {
      what: "ack p99.9 / max over the run",
      measured: `${ms(p(99.9))} / ${ms(p(100))}`,
      target: "—",
      ok: undefined,
    },
    { what: `RSS at start (${at(start)})`, measured: mb(start?.rssMb), target: "—", ok: undefined },
    { what: `RSS at end (${at(end)})`, measured: mb(end?.rssMb), target: "—", ok: undefined },
    { what: "RSS growth (end − start)", measured: mb(growth), target: "≤ 50 MB", ok: growth <= 50 },
    {
      what: "RSS max / trend after warm-up",
      measured: `${mb(Math.max(...after.map((s) => s.rssMb)))} / ${perMinute === undefined ? "n/a" : `${perMinute.toFixed(2)} MB/min`}`,
      target: "—",
      ok: undefined,
    },
    {
      what: `event-loop lag p99 at start (${at(start)})`,
      measured: ms(start?.lagP99Ms),
      target: "≤ 50 ms",
      ok: lagOk(start),
    },
    {
      what: `event-loop lag p99 at end (${at(end)})`,
      measured: ms(end?.lagP99Ms),
      target: "≤ 50 ms",
      ok: lagOk(end),
    },
    {
      what: "event-loop lag p99, worst 10 s window after warm-up",
      measured: ms(worstLag),
      target: "—",
      ok: undefined,
    },
    {
      what: "inbox depth at the end of the load",
      measured: String(o.depthAtEnd),
      target: "—",
      ok: undefined,
    },
    {
      what: "cards in the channel / card deliveries",
      measured: `${o.cardsAtEnd} / ${o.cardDeliveries}`,
      target: "—",
      ok: undefined,
    },
  ];
}

async function main(): Promise<void> {
  const stack = await startBenchStack({
    name: "soak",
    channel: CHANNEL,
    // Every card stays open, so the backlog guard would hold all but 100 of them: lifted, as bench:intake does.
    env: { CARD_BACKLOG_LIMIT: "100000" },
  });
  try {
    console.log(`database: ${stack.database.kind}; bot pid ${stack.bot.pid}; ${RATE}/s for ${SECONDS} s…`);
    const requests = deliveries(stack, RATE * SECONDS);
    const startedAt = Date.now();
    const sampler = startSampler(stack, startedAt);
    const run = await openLoop(stack.bot.url, requests, RATE);
    const samples = await sampler.stop();
    const outcome: Outcome = {
      samples,
      ack: run.answers.map((a) => a.latencyMs),
      non200: run.answers.filter((a) => a.status !== 200).length,
      elapsedMs: run.elapsedMs,
      cardDeliveries: requests.cards(),
      depthAtEnd: await inboxDepth(stack.database.url),
      cardsAtEnd: stack.slack.channelMessages(CHANNEL).length,
    };
    const rows = tableOf(outcome);
    printTable(
      `Soak (${RATE}/s for ${SECONDS} s, a card every ${CARD_EVERY}th, database: ${stack.database.kind}, ${new Date().toISOString()})`,
      rows,
    );
    const { ack, ...rest } = outcome;
    const file = writeResults("soak", {
      at: new Date().toISOString(),
      settings: {
        seconds: SECONDS,
        rate: RATE,
        cardEvery: CARD_EVERY,
        sampleMs: SAMPLE_MS,
        warmupSeconds: WARMUP_SECONDS,
      },
      database: stack.database.kind,
      ack: {
        count: ack.length,
        p50: percentile(ack, 50),
        p99: percentile(ack, 99),
        p999: percentile(ack, 99.9),
      },
      ...rest,
      rows,
      botLog: path.relative(REPO, stack.bot.logFile),
    });
    console.log(
      `\nwritten: ${path.relative(REPO, file)}\nbot log: ${path.relative(REPO, stack.bot.logFile)}`,
    );
    if (rows.some((r) => r.ok === false)) process.exitCode = 1;
  } finally {
    await stack.close();
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
