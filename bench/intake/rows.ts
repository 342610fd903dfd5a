import { loadavg } from "node:os";
import { ms, percentile, type Row } from "../lib/stats.js";

/** The intake bench's table: one row per measurement, the 1-minute load average beside each throughput. */

export interface Throughput {
  perSecond: number;
  /** CPU per accepted delivery, ms: the server's processes, and its database backends. */
  cpuMs: { server: number; database: number };
  /** Transactions its database committed per accepted delivery (the reference: 1). */
  commitsPerDelivery: number;
  /** `os.loadavg()[0]` when the phase ended: 2 shared cores, so every figure is read beside the load. */
  load: number;
}

export const loadNow = (): number => loadavg()[0] ?? 0;

/** The mean of a server's rounds, field by field. */
export function meanThroughput(rounds: Throughput[]): Throughput {
  const mean = (pick: (t: Throughput) => number) =>
    rounds.reduce((sum, t) => sum + pick(t), 0) / Math.max(1, rounds.length);
  return {
    perSecond: mean((t) => t.perSecond),
    cpuMs: { server: mean((t) => t.cpuMs.server), database: mean((t) => t.cpuMs.database) },
    commitsPerDelivery: mean((t) => t.commitsPerDelivery),
    load: mean((t) => t.load),
  };
}

export interface IntakeFigures {
  rate: number;
  seconds: number;
  concurrency: number;
  latencies: number[];
  errors: number;
  bot: Throughput;
  reference: Throughput;
  pgbenchTps: number;
  draining: Throughput & { workEvents: number; workDone: number; workLeft: number };
  cardLatencies: number[];
  cardsSent: number;
  cardRate: number;
  drainPerSecond: number;
  missing: number;
}

const perSecond = (t: Throughput) => `${t.perSecond.toFixed(0)}/s (load ${t.load.toFixed(1)})`;
const cpu = (t: Throughput) =>
  `${t.cpuMs.server.toFixed(2)} + ${t.cpuMs.database.toFixed(2)} ms, ${t.commitsPerDelivery.toFixed(2)} commits`;

export function intakeRows(f: IntakeFigures): Row[] {
  const p = (q: number) => percentile(f.latencies, q);
  const card = (q: number) => percentile(f.cardLatencies, q);
  const ratio = f.bot.perSecond / f.reference.perSecond;
  const share = f.draining.perSecond / f.bot.perSecond;
  return [
    { what: `ack p50 at ${f.rate}/s (${f.seconds} s)`, measured: ms(p(50)), target: "—", ok: undefined },
    { what: `ack p99 at ${f.rate}/s`, measured: ms(p(99)), target: "≤ 50 ms", ok: (p(99) ?? Infinity) <= 50 },
    {
      what: `ack p99.9 at ${f.rate}/s`,
      measured: ms(p(99.9)),
      target: "≤ 250 ms",
      ok: (p(99.9) ?? Infinity) <= 250,
    },
    { what: `non-200 answers at ${f.rate}/s`, measured: String(f.errors), target: "0", ok: f.errors === 0 },
    {
      what: `bot accepted/s (closed loop, ${f.concurrency} conns, no-op deliveries, mean of 2)`,
      measured: perSecond(f.bot),
      target: "≥ 2,000",
      ok: f.bot.perSecond >= 2000,
    },
    {
      what: "reference accepted/s (node:http + verify + the same statement, mean of 2)",
      measured: perSecond(f.reference),
      target: "—",
      ok: undefined,
    },
    { what: "bot / reference", measured: ratio.toFixed(2), target: "≥ 0.70", ok: ratio >= 0.7 },
    {
      what: "  per delivery, bot: CPU process + database; commits",
      measured: cpu(f.bot),
      target: "—",
      ok: undefined,
    },
    {
      what: "  per delivery, reference: CPU process + database; commits",
      measured: cpu(f.reference),
      target: "—",
      ok: undefined,
    },
    {
      what: `pgbench tps, the intake's statement (${f.concurrency} clients)`,
      measured: f.pgbenchTps.toFixed(0),
      target: "—",
      ok: undefined,
    },
    {
      what: "bot / pgbench",
      measured: `${((100 * f.bot.perSecond) / f.pgbenchTps).toFixed(0)} %`,
      target: "—",
      ok: undefined,
    },
    {
      what: "bot accepted/s while the processor drains work events",
      measured: perSecond(f.draining),
      target: "—",
      ok: undefined,
    },
    {
      what: "  per delivery then: CPU process + database; commits",
      measured: cpu(f.draining),
      target: "—",
      ok: undefined,
    },
    {
      what: "  work events done in that phase / left at its end",
      measured: `${f.draining.workDone} / ${f.draining.workLeft} of ${f.draining.workEvents}`,
      target: "left > 0",
      ok: f.draining.workLeft > 0,
    },
    { what: "while draining / no-op", measured: share.toFixed(2), target: "≥ 0.50", ok: share >= 0.5 },
    {
      what: "while draining / reference",
      measured: (f.draining.perSecond / f.reference.perSecond).toFixed(2),
      target: "—",
      ok: undefined,
    },
    {
      what: `webhook → card p50 at ${f.cardRate}/s`,
      measured: ms(card(50)),
      target: "≤ 300 ms",
      ok: (card(50) ?? Infinity) <= 300,
    },
    {
      what: `webhook → card p99 at ${f.cardRate}/s`,
      measured: ms(card(99)),
      target: "≤ 1 s",
      ok: (card(99) ?? Infinity) <= 1000,
    },
    {
      what: "cards posted / events sent",
      measured: `${f.cardLatencies.length} / ${f.cardsSent}`,
      target: "all",
      ok: f.cardLatencies.length === f.cardsSent,
    },
    {
      what: "inbox drain after the bursts (events/s)",
      measured: f.drainPerSecond.toFixed(0),
      target: "—",
      ok: undefined,
    },
    {
      what: "200-answered deliveries missing from the database",
      measured: String(f.missing),
      target: "0",
      ok: f.missing === 0,
    },
  ];
}
