/**
 * `npm run bench:reconcile` — reconciliation of 10,000 open actions on the real `npm start` process (design §9):
 * the simulator holds BENCH_ACTIONS (default 10,000) open `GET /orders/pending` rows (its 600/min limit raised
 * for the run), no webhook has reported any of them, and the bot reconciles on a cron slot every 5 s. The first
 * run is cold (every action opened), the second warm (every action confirmed). For each: list calls (pages of
 * the two walks), duration, and the bot's RSS growth (peak during the run minus the RSS just before it).
 * Prints a table and writes JSON to bench/results/.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { type BotProcess, botEnv, spawnBot } from "../test/support/bot-process.js";
import { startPeekerSim } from "../test/support/peeker-sim/server.js";
import { SIM_KEYS } from "../test/support/peeker-sim/state.js";
import { startSlackFake } from "../test/support/slack-fake/index.js";
import { openBenchDatabase } from "./lib/bench-database.js";
import { printTable, type Row, writeResults } from "./lib/stats.js";

const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 10_000);
const CHANNEL = "C0BENCH0001";
const TARGETS = { listCalls: Math.ceil(ACTIONS / 100) + 1, durationMs: 60_000, rssGrowthMb: 100 };

interface RunRecord {
  slot: string;
  started_at: Date;
  finished_at: Date | null;
  outcome: string;
  counts: Record<string, number>;
}

interface Measured {
  run: string;
  slot: string;
  outcome: string;
  listCalls: number;
  apiCalls: number;
  durationMs: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssGrowthMb: number;
  counts: Record<string, number>;
}

async function main(): Promise<void> {
  const database = await openBenchDatabase();
  const sim = await startPeekerSim();
  const slack = await startSlackFake();
  sim.control.setRateLimit({ limit: 1_000_000 });
  let bot: BotProcess | undefined;
  const client = new pg.Client({ connectionString: database.url });
  try {
    const seeded = Date.now();
    for (let i = 0; i < ACTIONS; i++) {
      const { order } = sim.control.seedOrder({ status: "in_progress", domains: [] });
      sim.control.requireAction("order", order.id);
    }
    console.log(`seeded ${ACTIONS} open actions in ${Date.now() - seeded} ms`);

    bot = await spawnBot(
      botEnv({
        DATABASE_URL: database.url,
        PEEKER_API_URL: sim.url,
        PEEKER_API_KEY: SIM_KEYS.full,
        SLACK_API_URL: slack.apiUrl,
        SLACK_CHANNEL_ID: CHANNEL,
        RECONCILE_CRON: "*/5 * * * * *",
      }),
      { name: "bench-reconcile" },
    );
    await bot.waitReady(60_000);
    await client.connect();
    const pid = bot.child.pid;
    if (!pid) throw new Error("bot has no pid");

    // RSS of the bot process, sampled every 100 ms for the whole bench.
    const samples: Array<{ at: number; mb: number }> = [];
    const sampler = setInterval(() => {
      const mb = rssMb(pid);
      if (mb !== undefined) samples.push({ at: Date.now(), mb });
    }, 100);
    samples.push({ at: Date.now(), mb: rssMb(pid) ?? 0 });

    const results: Measured[] = [];
    for (const name of ["cold", "warm"]) {
      const run = await waitForRun(client, results.length + 1);
      const started = run.started_at.getTime();
      const finished = run.finished_at?.getTime() ?? Date.now();
      const before = [...samples].reverse().find((s) => s.at <= started) ?? samples[0];
      const during = samples.filter((s) => s.at >= started && s.at <= finished + 100);
      const peak = Math.max(before?.mb ?? 0, ...during.map((s) => s.mb));
      const walk = sim.control
        .requests()
        .filter(
          (r) =>
            r.at >= started - 50 &&
            r.at <= finished + 50 &&
            ((r.route === "/orders/pending" && r.query.order_id === undefined) || r.route === "/swaps"),
        );
      results.push({
        run: name,
        slot: run.slot,
        outcome: run.outcome,
        listCalls: walk.length,
        apiCalls: run.counts.api_calls ?? 0,
        durationMs: run.counts.duration_ms ?? finished - started,
        rssBeforeMb: round(before?.mb ?? 0),
        rssPeakMb: round(peak),
        rssGrowthMb: round(peak - (before?.mb ?? 0)),
        counts: run.counts,
      });
    }
    clearInterval(sampler);

    const rows: Row[] = results.flatMap((r) => [
      {
        what: `${r.run}: list calls`,
        measured: String(r.listCalls),
        target: `≤ ${TARGETS.listCalls}`,
        ok: r.listCalls <= TARGETS.listCalls,
      },
      {
        what: `${r.run}: duration`,
        measured: `${(r.durationMs / 1000).toFixed(1)} s`,
        target: `≤ ${TARGETS.durationMs / 1000} s`,
        ok: r.durationMs <= TARGETS.durationMs,
      },
      {
        what: `${r.run}: RSS growth`,
        measured: `${r.rssGrowthMb} MB (${r.rssBeforeMb} → ${r.rssPeakMb})`,
        target: `≤ ${TARGETS.rssGrowthMb} MB`,
        ok: r.rssGrowthMb <= TARGETS.rssGrowthMb,
      },
      {
        what: `${r.run}: opened / unchanged / errors`,
        measured: `${r.counts.opened} / ${r.counts.unchanged} / ${r.counts.errors}`,
        target: r.run === "cold" ? `${ACTIONS} / 0 / 0` : `0 / ${ACTIONS} / 0`,
        ok:
          r.outcome === "succeeded" &&
          r.counts.errors === 0 &&
          (r.run === "cold" ? r.counts.opened === ACTIONS : r.counts.unchanged === ACTIONS),
      },
    ]);
    const cards = slack
      .channelMessages(CHANNEL)
      .filter((m) => m.metadata?.event_type === "peeker_pending_action");
    printTable(`Reconciliation of ${ACTIONS.toLocaleString("en-US")} open actions (design §9)`, rows);
    console.log(`\ncards posted under the backlog guard (CARD_BACKLOG_LIMIT default 100): ${cards.length}`);
    const file = writeResults("reconcile", {
      actions: ACTIONS,
      database: database.kind,
      targets: TARGETS,
      runs: results,
      cardsPosted: cards.length,
    });
    console.log(`results: ${file}`);
    if (rows.some((r) => r.ok === false)) process.exitCode = 1;
  } finally {
    await client.end().catch(() => {});
    if (bot && bot.child.exitCode === null) {
      bot.kill("SIGTERM");
      await bot.waitExit(20_000).catch(() => bot?.kill("SIGKILL"));
    }
    await Promise.all([sim.close(), slack.close()]);
    await database.close();
  }
}

async function waitForRun(client: pg.Client, nth: number): Promise<RunRecord> {
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    const { rows } = await client.query<RunRecord>(
      "SELECT slot, started_at, finished_at, outcome, counts FROM runs WHERE job = 'reconcile' ORDER BY started_at",
    );
    const run = rows[nth - 1];
    if (run && run.outcome !== "running") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`reconcile run ${nth} did not finish within 5 minutes`);
}

function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function round(mb: number): number {
  return Math.round(mb * 10) / 10;
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
