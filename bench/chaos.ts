/**
 * `npm run bench:chaos` — issue #10's benchmark: two bot processes on one database, the Peeker simulator and
 * the Slack fake; `BENCH_ACTIONS_PER_REASON` (default 60) pending actions of each of four reasons; then for
 * `BENCH_SECONDS` (default 60) dropped, duplicated and reordered webhooks, actions resolved in Peeker with and
 * without a webhook, new ones appearing, Peeker and Slack 429/5xx bursts, operators pressing the resolution
 * buttons, and SIGKILLs of one bot at random moments (and during flows). Then the faults stop and it measures
 * drift, cards still `resolving`, duplicate Peeker writes and customer messages, and the seconds to drift 0.
 * Prints a table, writes JSON to bench/results/, exits 1 on any drift left after two reconcile intervals (or a
 * stuck card, or a duplicate). Settings: bench/README.md.
 */
import path from "node:path";
import { driftOf, type Snapshot } from "./chaos/measure.js";
import { readOptions } from "./chaos/options.js";
import { runChaos } from "./chaos/run.js";
import { printTable, type Row, writeResults } from "./lib/stats.js";

const drift = (s: Snapshot, where: "database" | "slack") => {
  const d = s[where];
  return `${d.missing} / ${d.extra} / ${d.double}`;
};

async function main(): Promise<void> {
  const options = readOptions();
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const logsDir = path.resolve(import.meta.dirname, "results", `chaos-${stamp}-logs`);
  const result = await runChaos(options, logsDir);
  const { atTwoIntervals: verdict, final, duplicates: dups } = result;
  const flows = result.flows.filter((f) => f.stage === "submitted");
  const long = result.resolvingSpells.filter((r) => r.seconds > options.reconcileSeconds);
  const rows: Row[] = [
    { what: "seed", measured: String(options.seed), target: "—", ok: undefined },
    {
      what: "baseline: every seeded action carded",
      measured: `${result.baseline.reached ? "yes" : "no"} (${result.baseline.seconds.toFixed(0)} s)`,
      target: "yes",
      ok: result.baseline.reached,
    },
    { what: "Peeker actions open at the end", measured: String(final.truth), target: "—", ok: undefined },
    {
      what: `database drift after 2 × ${options.reconcileSeconds} s (missing / extra / double)`,
      measured: drift(verdict, "database"),
      target: "0 / 0 / 0",
      ok: driftOf(verdict, "database") === 0,
    },
    {
      what: "channel drift at the end (missing / extra / double)",
      measured: drift(final, "slack"),
      target: "0 / 0 / 0",
      ok: driftOf(final, "slack") === 0,
    },
    {
      what: "seconds to drift 0 (database / database + channel)",
      measured: `${fmt(result.secondsToDriftZero.database)} / ${fmt(result.secondsToDriftZero.all)}`,
      target: "—",
      ok: undefined,
    },
    {
      what: "cards still resolving at the end",
      measured: String(final.resolving),
      target: "0",
      ok: final.resolving === 0,
    },
    {
      what: `cards resolving longer than one interval (${options.reconcileSeconds} s) during the run`,
      measured: `${long.length} (longest ${(result.resolvingSpells[0]?.seconds ?? 0).toFixed(0)} s)`,
      target: "—",
      ok: undefined,
    },
    {
      what: "Slack outbox at the verdict / at the end (stalled?)",
      measured: `${result.atTwoIntervals.outbox} / ${final.outbox}${result.outboxStalled ? " (stalled 30 s)" : ""}`,
      target: "— / 0",
      ok: final.outbox === 0,
    },
    {
      what: "duplicate Peeker writes (swaps / corrected orders)",
      measured: `${dups.swaps} / ${dups.orders}`,
      target: "0 / 0",
      ok: dups.swaps + dups.orders === 0,
    },
    {
      what: "repeated accepted cancels (safe to repeat)",
      measured: String(dups.repeatedCancels),
      target: "—",
      ok: undefined,
    },
    {
      what: "duplicate customer messages",
      measured: `${dups.customerMessages} (of ${dups.customerMessagesSent} sent)`,
      target: "0",
      ok: dups.customerMessages === 0,
    },
    {
      what: "flows submitted (swap / nameservers / reorder)",
      measured: ["swap", "nameservers", "reorder"]
        .map((f) => flows.filter((r) => r.flow === f).length)
        .join(" / "),
      target: "—",
      ok: undefined,
    },
    {
      what: "SIGKILLs (of which during a submit)",
      measured: `${result.kills.length} (${result.kills.filter((k) => k.why.startsWith("during")).length})`,
      target: "—",
      ok: undefined,
    },
    {
      what: "webhooks: events / dropped (lost for good) / duplicated / delayed / silent",
      measured: (({ events, dropped, lostForGood, duplicated, delayed, silent }) =>
        `${events} / ${dropped} (${lostForGood}) / ${duplicated} / ${delayed} / ${silent}`)(
        result.deliveries,
      ),
      target: "—",
      ok: undefined,
    },
  ];
  printTable(
    `Chaos benchmark (seed ${options.seed}, ${options.seconds} s, reconcile every ${options.reconcileSeconds} s, database: ${result.database})`,
    rows,
  );
  const problems = final.items.slice(0, 12);
  if (problems.length > 0) {
    console.log("\ndrift left at the end (first 12):");
    for (const item of problems)
      console.log(`  ${item.where} ${item.kind} ${item.key} ${JSON.stringify(item.detail)}`);
  }
  for (const row of final.resolvingRows.slice(0, 12)) console.log(`  resolving ${JSON.stringify(row)}`);
  const file = writeResults(`chaos-seed${options.seed}`, { ...result, rows });
  console.log(
    `\nresults: ${path.relative(process.cwd(), file)}\nbot logs: ${path.relative(process.cwd(), logsDir)}`,
  );
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

function fmt(seconds: number | undefined): string {
  return seconds === undefined ? "never" : `${seconds.toFixed(0)} s`;
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
