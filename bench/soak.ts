/**
 * `npm run bench:soak` — a long steady load on one real bot process (`node dist/main.js start`): BENCH_SECONDS
 * (600) at BENCH_RATE (200) deliveries/s, open loop, every 20th one a real `order.action_required` of an order
 * just parked in the Peeker simulator (a Peeker re-read and a card posted to the Slack fake), the rest cheap
 * deliveries of an unknown type (stored, acknowledged, audited). Every 10 s it samples the bot's RSS
 * (/proc/<pid>/status) and its /metrics (prom-client's `nodejs_eventloop_lag_p99_seconds`, whose histogram is
 * reset on every scrape, so each sample is the p99 of the 10 s since the previous one). Reports RSS and lag p99
 * after a 30 s warm-up and at the end, RSS growth, ack latency over the run and the inbox depth at the end.
 * Prints a table, writes JSON to bench/results/, exits 1 when a target is missed. Settings: bench/README.md.
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
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
  /** Inbox events the bot marked processed so far (counter). */
  processed: number;
  /** Share of the bot's own webhook answers (its histogram, since start) within 50 ms. */
  serverAckWithin50ms: number;
  /** The machine's 1-minute load average (2 cores, shared): context for every number above. */
  load1: number;
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
    processed: metrics.get('peeker_events_processed_total{outcome="processed"}') ?? 0,
    serverAckWithin50ms:
      (metrics.get('peeker_webhook_ack_seconds_bucket{le="0.05"}') ?? Number.NaN) /
      (metrics.get("peeker_webhook_ack_seconds_count") ?? Number.NaN),
    load1: loadavg()[0] ?? Number.NaN,
  };
}

/** Samples every 10 s from `startedAt` until stopped; `stop` takes one more if the last is over 5 s old. */
function startSampler(stack: BenchStack, startedAt: number) {
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const take = () => {
    inFlight.push(
      sample(stack, startedAt)
        .then((s) => {
          samples.push(s);
          console.log(
            `  t=${s.t.toFixed(0)} s rss ${s.rssMb.toFixed(1)} MB, lag p99 ${s.lagP99Ms.toFixed(1)} ms, inbox ${s.inboxDepth}, processed ${s.processed}, cards ${s.cardsPosted}, load ${s.load1.toFixed(1)}`,
          );
        })
        .catch((error: Error) => console.error(`sample failed: ${error.message}`)),
    );
  };
  const timer = setInterval(take, SAMPLE_MS);
  return {
    async stop(): Promise<Sample[]> {
      clearInterval(timer);
      await Promise.all(inFlight);
      // The end is the last full 10 s window; a sample a moment after it would report the lag of a sliver.
      const last = samples.reduce((t, s) => Math.max(t, s.t), 0);
      if ((Date.now() - startedAt) / 1000 - last > SAMPLE_MS / 2000) take();
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
  /** This process's own event-loop delay (load generator, simulator, Slack fake), ms: a stall here delays sends. */
  generatorLag: { p99: number; max: number };
}

/** The start (first sample after the warm-up) and end samples, and every sample from the start on. */
function phases(o: Outcome) {
  const start = o.samples.find((s) => s.t >= WARMUP_SECONDS) ?? o.samples[0];
  const end = o.samples.at(-1);
  const after = o.samples.filter((s) => start && s.t >= start.t);
  return { start, end, after };
}

const mb = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "n/a" : `${v.toFixed(1)} MB`);
const at = (s: Sample | undefined) => (s ? `t=${s.t.toFixed(0)} s` : "n/a");
const info = (what: string, measured: string): Row => ({ what, measured, target: "—", ok: undefined });

/** What the soak is judged on: every delivery answered, RSS growth and event-loop lag. */
function targetRows(o: Outcome): Row[] {
  const { start, end, after } = phases(o);
  const growth = start && end ? end.rssMb - start.rssMb : Number.NaN;
  const perMinute = slope(after.map((s) => ({ x: s.t / 60, y: s.rssMb })));
  const lagOk = (s: Sample | undefined) => s !== undefined && s.lagP99Ms <= 50;
  const p = (q: number) => percentile(o.ack, q);
  return [
    {
      what: `deliveries answered 200 / sent (${((1000 * o.ack.length) / o.elapsedMs).toFixed(0)}/s achieved)`,
      measured: `${o.ack.length - o.non200} / ${o.ack.length}`,
      target: "all",
      ok: o.non200 === 0,
    },
    info("ack p50 / p99 over the run", `${ms(p(50))} / ${ms(p(99))}`),
    info("ack p99.9 / max over the run", `${ms(p(99.9))} / ${ms(p(100))}`),
    info(`RSS at start (${at(start)}) / at end (${at(end)})`, `${mb(start?.rssMb)} / ${mb(end?.rssMb)}`),
    { what: "RSS growth (end − start)", measured: mb(growth), target: "≤ 50 MB", ok: growth <= 50 },
    info(
      "RSS max / trend after warm-up",
      `${mb(Math.max(...after.map((s) => s.rssMb)))} / ${perMinute === undefined ? "n/a" : `${perMinute.toFixed(2)} MB/min`}`,
    ),
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
  ];
}

/** What explains the numbers above: the worst lag window, the inbox, the load generator, the machine. */
function contextRows(o: Outcome): Row[] {
  const { start, end, after } = phases(o);
  const processedPerSecond =
    start && end && end.t > start.t
      ? ((end.processed - start.processed) / (end.t - start.t)).toFixed(0)
      : "n/a";
  const loads = o.samples.map((s) => s.load1);
  return [
    info(
      "event-loop lag p99, worst 10 s window after warm-up",
      ms(Math.max(...after.map((s) => s.lagP99Ms))),
    ),
    info("inbox depth at the end of the load", String(o.depthAtEnd)),
    info("inbox events processed/s after warm-up", processedPerSecond),
    info("cards in the channel / card deliveries", `${o.cardsAtEnd} / ${o.cardDeliveries}`),
    info(
      "bot's own ack histogram: answers within 50 ms",
      end ? `${(100 * end.serverAckWithin50ms).toFixed(1)} %` : "n/a",
    ),
    info(
      "load generator's event-loop delay p99 / max",
      `${ms(o.generatorLag.p99)} / ${ms(o.generatorLag.max)}`,
    ),
    info(
      "machine load average (1 min) min / max",
      `${Math.min(...loads).toFixed(1)} / ${Math.max(...loads).toFixed(1)}`,
    ),
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
    const generator = monitorEventLoopDelay({ resolution: 10 });
    generator.enable();
    const startedAt = Date.now();
    const sampler = startSampler(stack, startedAt);
    const run = await openLoop(stack.bot.url, requests, RATE);
    const samples = await sampler.stop();
    generator.disable();
    const outcome: Outcome = {
      samples,
      ack: run.answers.map((a) => a.latencyMs),
      non200: run.answers.filter((a) => a.status !== 200).length,
      elapsedMs: run.elapsedMs,
      cardDeliveries: requests.cards(),
      depthAtEnd: await inboxDepth(stack.database.url),
      cardsAtEnd: stack.slack.channelMessages(CHANNEL).length,
      generatorLag: { p99: generator.percentile(99) / 1e6, max: generator.max / 1e6 },
    };
    const rows = [...targetRows(outcome), ...contextRows(outcome)];
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
