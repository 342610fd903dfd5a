/**
 * `npm run bench:intake` — webhook intake on the real `npm start` process (design §9, issue #14):
 *   1. open-loop latency at 500 deliveries/s (BENCH_SECONDS, default 60), from each request's scheduled time;
 *   2. the sustained maximum (closed loop, 16 connections, BENCH_MAX_SECONDS) of the bot and of a minimal
 *      reference intake (bench/intake/reference-server.ts: node:http + the bot's verify + the bot's INSERT, a pool
 *      of the bot's intake size) on the same PostgreSQL server, in the order reference, bot, bot, reference, with
 *      the ratio of the means; pgbench on the same statement (a no-op delivery names no resource, so the intake
 *      stores it settled with its audit row: src/db/inbox-intake.repository.ts);
 *   3. webhook → card latency against the Slack fake at 50 events/s;
 *   4. the bot's sustained maximum while its processor drains events that do real work, against (2);
 * then checks that every delivery answered 200 is in the database (exit 1 otherwise), prints a table and
 * writes JSON to bench/results/. BENCH_CPU_PROF=<dir> starts the bot (and the reference) under --cpu-prof.
 */
import path from "node:path";
import { startPeekerSim } from "../test/support/peeker-sim/server.js";
import { SIM_KEYS } from "../test/support/peeker-sim/state.js";
import { startSlackFake } from "../test/support/slack-fake/index.js";
import { countMissing, openSiblingDatabase, pgbench, waitForDrain } from "./intake/database.js";
import { type Delivery, noOpDeliveries, SECRET } from "./intake/deliveries.js";
import { sustained, sustainedWhileDraining, webhookToCard } from "./intake/phases.js";
import { REPO, startBot, startReference } from "./intake/processes.js";
import { intakeRows, loadNow, meanThroughput, type Throughput } from "./intake/rows.js";
import { openBenchDatabase } from "./lib/bench-database.js";
import { openLoop } from "./lib/open-loop.js";
import { printTable, writeResults } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 15);
const WORK_EVENTS = Number(process.env.BENCH_WORK_EVENTS ?? 3000);
const CARD_SECONDS = Number(process.env.BENCH_CARD_SECONDS ?? 20);
const CPU_PROF = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const CONCURRENCY = 16;
/** The bot's intake pool (DATABASE_INTAKE_POOL_MAX); the reference opens one of the same size. */
const INTAKE_POOL = "10";
const CARD_RATE = 50;
const CHANNEL = "C0BENCH0001";

async function main() {
  const database = await openBenchDatabase();
  const referenceDatabase = await openSiblingDatabase(database.url);
  const sim = await startPeekerSim({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const slack = await startSlackFake();
  const botServer = await startBot(
    {
      DATABASE_URL: database.url,
      DATABASE_INTAKE_POOL_MAX: INTAKE_POOL,
      PORT: "0",
      LOG_LEVEL: "info",
      SLACK_BOT_TOKEN: "xoxb-bench-token",
      SLACK_SIGNING_SECRET: "bench-signing-secret",
      SLACK_CHANNEL_ID: CHANNEL,
      SLACK_API_URL: slack.apiUrl,
      PEEKER_API_KEY: SIM_KEYS.full,
      PEEKER_API_URL: sim.url,
      PEEKER_WEBHOOK_SECRET: SECRET,
      // The simulator's limit is raised for the run; the bot's own budget follows it, so the processor runs flat
      // out. BENCH_PEEKER_RPM=480 gives the bot the product's budget instead (the draining phase as in production;
      // the webhook → card phase then waits on the budget).
      PEEKER_REQUESTS_PER_MINUTE: process.env.BENCH_PEEKER_RPM ?? "100000",
      RECONCILE_CRON: "off",
      DIGEST_CRON: "off",
      NUDGE_CRON: "off",
      // Every card of the burst is posted (the backlog guard would hold all but 100 of them).
      CARD_BACKLOG_LIMIT: "100000",
    },
    CPU_PROF,
  );
  const referenceServer = await startReference(
    {
      DATABASE_URL: referenceDatabase.url,
      DATABASE_INTAKE_POOL_MAX: INTAKE_POOL,
      PEEKER_WEBHOOK_SECRET: SECRET,
    },
    CPU_PROF,
  );
  const bot = { ...botServer, databaseUrl: database.url };
  const reference = { ...referenceServer, databaseUrl: referenceDatabase.url };
  const accepted: string[] = [];
  const keep = (reqs: Delivery[], answers: { status: number; index: number }[]) => {
    for (const a of answers) if (a.status === 200) accepted.push(reqs[a.index]!.eventId);
  };
  const loads: Record<string, number> = {};

  try {
    console.log(`database: ${database.kind}; warming up the bot and the reference…`);
    const warm = noOpDeliveries(2000);
    keep(warm, (await openLoop(bot.url, warm, 400)).answers);
    await openLoop(reference.url, noOpDeliveries(2000), 400);

    console.log(`open loop: ${RATE}/s for ${SECONDS} s…`);
    const steady = noOpDeliveries(RATE * SECONDS);
    const open = await openLoop(bot.url, steady, RATE);
    keep(steady, open.answers);
    loads.openLoop = loadNow();
    const latencies = open.answers.map((a) => a.latencyMs);
    const errors = open.answers.filter((a) => a.status !== 200).length;

    // Reference, bot, bot, reference: a load that drifts during the run weighs on both alike. Each phase starts
    // with the bot idle (its inbox drained), so neither measures the other's work.
    console.log(`sustained maximum, ${CONCURRENCY} connections, ${MAX_SECONDS} s each: ref, bot, bot, ref…`);
    const rounds: { reference: Throughput[]; bot: Throughput[] } = { reference: [], bot: [] };
    for (const who of ["reference", "bot", "bot", "reference"] as const) {
      await waitForDrain(database.url, 5 * 60_000);
      rounds[who].push(
        who === "bot"
          ? await sustained(bot, CONCURRENCY, MAX_SECONDS, keep)
          : await sustained(reference, CONCURRENCY, MAX_SECONDS),
      );
    }
    const referenceMax = meanThroughput(rounds.reference);
    const botMax = meanThroughput(rounds.bot);

    console.log(`pgbench on the intake's statement, ${CONCURRENCY} clients, ${MAX_SECONDS} s…`);
    const pgbenchTps = pgbench(database.pgbenchEnv, CONCURRENCY, MAX_SECONDS);
    loads.pgbench = loadNow();

    // The card latency is measured on an idle pipeline: the closed loops' backlog first drains.
    await waitForDrain(database.url, 10 * 60_000);
    console.log(`webhook → card at ${CARD_RATE}/s for ${CARD_SECONDS} s…`);
    const cards = await webhookToCard(
      { sim, slack, url: bot.url, channel: CHANNEL, rate: CARD_RATE, seconds: CARD_SECONDS },
      keep,
    );

    await waitForDrain(database.url, 5 * 60_000);
    console.log(`sustained maximum while the processor drains ${WORK_EVENTS} work events…`);
    const draining = await sustainedWhileDraining(
      {
        sim,
        bot,
        concurrency: CONCURRENCY,
        seconds: MAX_SECONDS,
        workEvents: WORK_EVENTS,
      },
      keep,
    );

    console.log("waiting for the inbox to drain…");
    const drain = await waitForDrain(database.url, 10 * 60_000);

    console.log("checking that every delivery answered 200 is stored…");
    const missing = await countMissing(database.url, accepted);

    const rows = intakeRows({
      rate: RATE,
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      latencies,
      errors,
      bot: botMax,
      reference: referenceMax,
      pgbenchTps,
      draining,
      cardLatencies: cards.latencies,
      cardsSent: cards.sent,
      cardRate: CARD_RATE,
      drainPerSecond: drain.perSecond,
      missing,
    });
    printTable(`Intake benchmark (database: ${database.kind}, ${new Date().toISOString()})`, rows);
    const file = writeResults("intake", {
      at: new Date().toISOString(),
      database: database.kind,
      settings: { rate: RATE, seconds: SECONDS, maxSeconds: MAX_SECONDS, concurrency: CONCURRENCY },
      intakePool: Number(INTAKE_POOL),
      ack: { count: latencies.length, errors, max: Math.max(...latencies) },
      rounds,
      bot: botMax,
      reference: { ...referenceMax, ratio: botMax.perSecond / referenceMax.perSecond },
      pgbench: { tps: pgbenchTps, ratio: botMax.perSecond / pgbenchTps },
      draining: {
        ...draining,
        share: draining.perSecond / botMax.perSecond,
        referenceRatio: draining.perSecond / referenceMax.perSecond,
      },
      loads,
      inboxDrain: drain,
      webhookToCard: { rate: CARD_RATE, posted: cards.latencies.length, sent: cards.sent },
      accepted: accepted.length,
      missing,
      rows,
    });
    console.log(`\nwritten: ${path.relative(REPO, file)}`);
    if (missing > 0) process.exitCode = 1;
  } finally {
    await Promise.all([bot.stop(), reference.stop()]);
    await Promise.all([sim.close(), slack.close()]);
    await referenceDatabase.close();
    await database.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
