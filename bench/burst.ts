/**
 * `npm run bench:burst` (issue #14): 2,000 events over 200 resources of every kind within 10 s, the simulator at
 * 480 calls a minute, run twice on fresh stacks with the same schedule — coalesced re-reads on, then off
 * (EVENT_COALESCING=off) — so the gain is measured side by side. Prints a table, writes JSON under
 * bench/results/, exits 1 when a target is missed with coalescing on (Peeker calls ≤ 1.2 per resource, every
 * card right within 60 s of the burst's end). Settings: BENCH_SEED (1), BENCH_RESOURCES (200),
 * BENCH_EVENTS_PER_RESOURCE (10), BENCH_BURST_SECONDS (10), BENCH_CLUSTER_MS (1000), BENCH_RESOLVED_SHARE (0.2),
 * BENCH_PEEKER_LIMIT (480), BENCH_MAX_WAIT_SECONDS (120), BENCH_MODES (`on,off`), BENCH_DATABASE_URL.
 */

import { type BurstOptions, type BurstResult, runBurstPhase } from "./burst/phase.js";
import { createPrng } from "./chaos/prng.js";
import { ms, printTable, type Row, writeResults } from "./lib/stats.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seed = env("BENCH_SEED", 1);
const base: Omit<BurstOptions, "coalesce"> = {
  resources: env("BENCH_RESOURCES", 200),
  eventsPerResource: env("BENCH_EVENTS_PER_RESOURCE", 10),
  burstSeconds: env("BENCH_BURST_SECONDS", 10),
  clusterMs: env("BENCH_CLUSTER_MS", 1000),
  resolvedShare: env("BENCH_RESOLVED_SHARE", 0.2),
  peekerLimit: env("BENCH_PEEKER_LIMIT", 480),
  maxWaitSeconds: env("BENCH_MAX_WAIT_SECONDS", 120),
  databaseUrl: process.env.BENCH_DATABASE_URL,
};
const modes = (process.env.BENCH_MODES ?? "on,off").split(",").map((m) => m.trim() === "on");

const results: BurstResult[] = [];
for (const coalesce of modes) {
  console.log(`burst with coalescing ${coalesce ? "on" : "off"}…`);
  results.push(await runBurstPhase({ ...base, coalesce }, createPrng(seed)));
}

const fmt = (r: BurstResult | undefined, pick: (r: BurstResult) => string) => (r ? pick(r) : "—");
const on = results.find((r) => r.coalesce);
const off = results.find((r) => !r.coalesce);
const right = (r: BurstResult) =>
  r.rightAfterSeconds === undefined
    ? `not within ${base.maxWaitSeconds} s`
    : `${r.rightAfterSeconds.toFixed(1)} s`;
const rows: Row[] = [
  {
    what: "events / resources",
    measured: `${on?.events ?? off?.events} / ${on?.resources ?? off?.resources}`,
    target: "2000 / 200",
    ok: undefined,
  },
  {
    what: "burst length",
    measured: fmt(on ?? off, (r) => `${r.burstSeconds.toFixed(1)} s`),
    target: "≤ 10 s",
    ok: undefined,
  },
  {
    what: "re-reads per resource (on / off)",
    measured: `${fmt(on, (r) => r.rereadsPerResource.toFixed(2))} / ${fmt(off, (r) => r.rereadsPerResource.toFixed(2))}`,
    target: "—",
    ok: undefined,
  },
  {
    what: "Peeker calls per resource (on / off)",
    measured: `${fmt(on, (r) => r.callsPerResource.toFixed(2))} / ${fmt(off, (r) => r.callsPerResource.toFixed(2))}`,
    target: "≤ 1.2 (on)",
    ok: on ? on.callsPerResource <= 1.2 : undefined,
  },
  {
    what: "every card right after the burst (on / off)",
    measured: `${fmt(on, right)} / ${fmt(off, right)}`,
    target: "≤ 60 s (on)",
    ok: on ? on.rightAfterSeconds !== undefined && on.rightAfterSeconds <= 60 : undefined,
  },
  {
    what: "event → processed p50 / p99 (on)",
    measured: fmt(on, (r) => `${ms(r.eventToProcessedMs.p50)} / ${ms(r.eventToProcessedMs.p99)}`),
    target: "—",
    ok: undefined,
  },
  {
    what: "event → processed p50 / p99 (off)",
    measured: fmt(off, (r) => `${ms(r.eventToProcessedMs.p50)} / ${ms(r.eventToProcessedMs.p99)}`),
    target: "—",
    ok: undefined,
  },
  {
    what: "first event → card p50 / p99 (on / off)",
    measured: `${fmt(on, (r) => `${ms(r.firstEventToCardMs.p50)} / ${ms(r.firstEventToCardMs.p99)}`)} | ${fmt(off, (r) => `${ms(r.firstEventToCardMs.p50)} / ${ms(r.firstEventToCardMs.p99)}`)}`,
    target: "—",
    ok: undefined,
  },
  {
    what: "events processed by the end (on / off)",
    measured: `${fmt(on, (r) => String(r.eventsProcessed))} / ${fmt(off, (r) => String(r.eventsProcessed))}`,
    target: "all (on)",
    ok: on ? on.eventsProcessed === on.events : undefined,
  },
];
printTable(`Burst benchmark (seed ${seed}, simulator at ${base.peekerLimit} calls/min)`, rows);
const file = writeResults("burst", { seed, options: base, results, rows });
console.log(`results: ${file}`);
process.exit(rows.some((r) => r.ok === false) ? 1 : 0);
