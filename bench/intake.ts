/**
 * `npm run bench:intake` — webhook intake on the real `npm start` process (design §9):
 *   1. open-loop latency at 500 deliveries/s (BENCH_SECONDS, default 60), from each request's scheduled time;
 *   2. the sustained maximum (closed loop, 16 connections) and pgbench on the intake's own INSERT at the same
 *      concurrency, in the same run, with the ratio;
 *   3. webhook → card posted latency against the Slack fake at 50 events/s;
 * then checks that every delivery answered 200 is in the database (exit 1 otherwise), prints a table and
 * writes JSON to bench/results/.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { signWebhookBody } from "../src/peeker/webhooks.js";
import { startPeekerSim } from "../test/support/peeker-sim/server.js";
import { SIM_KEYS } from "../test/support/peeker-sim/state.js";
import { startSlackFake } from "../test/support/slack-fake/index.js";
import { openBenchDatabase } from "./lib/bench-database.js";
import { closedLoop, openLoop, type PreparedRequest } from "./lib/open-loop.js";
import { ms, percentile, printTable, type Row, writeResults } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 15);
const CONCURRENCY = 16;
const CARD_RATE = 50;
const CARD_SECONDS = Number(process.env.BENCH_CARD_SECONDS ?? 20);
const SECRET = "whsec_bench_secret";
const CHANNEL = "C0BENCH0001";
const REPO = path.resolve(import.meta.dirname, "..");

function delivery(type: string, data: Record<string, unknown>): PreparedRequest & { eventId: string } {
  const eventId = `evt_${randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({ id: eventId, type, created_at: new Date().toISOString(), data });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    eventId,
    path: "/peeker/webhooks",
    body,
    headers: {
      "content-type": "application/json",
      "peeker-event-id": eventId,
      "peeker-timestamp": String(timestamp),
      "peeker-signature": signWebhookBody(SECRET, timestamp, body),
    },
  };
}

/** Deliveries whose processing is cheap (an unknown type is stored, acknowledged and audited, no Peeker call). */
const intakeDeliveries = (count: number) =>
  Array.from({ length: count }, (_, i) => delivery("bench.delivery", { id: `bench_${i}`, status: "ok" }));

async function startBot(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn("npm", ["start", "--silent"], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+),[^\n]*"msg":"bot started"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`bot exited with ${code}:\n${output}`)));
  });
  child.stdout.removeAllListeners("data");
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

function pgbench(env: Record<string, string>, seconds: number): number {
  const script = path.join(tmpdir(), `peeker-intake-${process.pid}.sql`);
  const payload = JSON.stringify({
    id: "evt",
    type: "bench.delivery",
    data: { id: "bench_1", status: "ok" },
  });
  writeFileSync(
    script,
    `INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload)
     VALUES ('pgb_' || md5(random()::text || clock_timestamp()::text), 'bench.delivery', to_timestamp(1795000000), '${payload}'::jsonb)
     ON CONFLICT (event_id) DO NOTHING;\n`,
  );
  const result = spawnSync(
    "pgbench",
    ["-n", "-M", "prepared", "-c", String(CONCURRENCY), "-j", "2", "-T", String(seconds), "-f", script],
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  const match = /tps = ([\d.]+)/.exec(result.stdout ?? "");
  if (!match) throw new Error(`pgbench failed: ${result.stderr || result.stdout}`);
  return Number(match[1]);
}

async function main() {
  const database = await openBenchDatabase();
  const sim = await startPeekerSim({ rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const slack = await startSlackFake();
  const bot = await startBot({
    DATABASE_URL: database.url,
    PORT: "0",
    LOG_LEVEL: "info",
    SLACK_BOT_TOKEN: "xoxb-bench-token",
    SLACK_SIGNING_SECRET: "bench-signing-secret",
    SLACK_CHANNEL_ID: CHANNEL,
    SLACK_API_URL: slack.apiUrl,
    PEEKER_API_KEY: SIM_KEYS.full,
    PEEKER_API_URL: sim.url,
    PEEKER_WEBHOOK_SECRET: SECRET,
    // The simulator's limit is raised for the run; the bot's own budget follows it.
    PEEKER_REQUESTS_PER_MINUTE: "100000",
    RECONCILE_CRON: "off",
    DIGEST_CRON: "off",
    NUDGE_CRON: "off",
    // Every card of the burst is posted (the backlog guard would hold all but 100 of them).
    CARD_BACKLOG_LIMIT: "100000",
  });
  const accepted: string[] = [];
  const keep200 = (reqs: Array<{ eventId: string }>, answers: { status: number; index: number }[]) => {
    for (const a of answers) if (a.status === 200) accepted.push(reqs[a.index]!.eventId);
  };

  try {
    console.log(`database: ${database.kind}; warming up…`);
    const warm = intakeDeliveries(2000);
    keep200(warm, (await openLoop(bot.url, warm, 400)).answers);

    console.log(`open loop: ${RATE}/s for ${SECONDS} s…`);
    const steady = intakeDeliveries(RATE * SECONDS);
    const open = await openLoop(bot.url, steady, RATE);
    keep200(steady, open.answers);
    const latencies = open.answers.map((a) => a.latencyMs);
    const errors = open.answers.filter((a) => a.status !== 200).length;

    console.log(`sustained maximum: closed loop, ${CONCURRENCY} connections, ${MAX_SECONDS} s…`);
    const burst = intakeDeliveries(200_000);
    const closed = await closedLoop(bot.url, burst, CONCURRENCY, MAX_SECONDS * 1000);
    keep200(burst, closed.answers);
    const sustained = closed.answers.filter((a) => a.status === 200).length / (closed.elapsedMs / 1000);

    console.log(`pgbench on the intake's INSERT, ${CONCURRENCY} clients, ${MAX_SECONDS} s…`);
    const pgbenchTps = pgbench(database.pgbenchEnv, MAX_SECONDS);

    console.log("waiting for the inbox to drain (the card latency is measured on an idle pipeline)…");
    const drain = await waitForDrain(database.url, 10 * 60_000);

    console.log(`webhook → card at ${CARD_RATE}/s for ${CARD_SECONDS} s…`);
    const orders = Array.from(
      { length: CARD_RATE * CARD_SECONDS },
      (_, i) =>
        sim.control.seedOrder({ status: "action_required", domains: [`bench-card-${i}.com`] }).order.id,
    );
    const cardRequests = orders.map((id) =>
      delivery("order.action_required", { id, status: "action_required" }),
    );
    const sentAt = new Map<string, number>();
    const cardStart = Date.now();
    // openLoop schedules request i at start + 50 ms + i / rate; the fake records posts on the same wall clock.
    for (const [i, id] of orders.entries()) {
      sentAt.set(`profile_picture_not_accessible:${id}`, cardStart + 50 + (i * 1000) / CARD_RATE);
    }
    const cards = await openLoop(bot.url, cardRequests, CARD_RATE);
    keep200(cardRequests, cards.answers);
    const deadline = Date.now() + 60_000;
    const posted = () =>
      slack
        .calls("chat.postMessage")
        .filter((c) => c.status === 200 && !c.args.thread_ts && c.args.channel === CHANNEL);
    while (posted().length < orders.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const cardLatencies = posted()
      .map((c) => {
        const key = (c.args.metadata as { event_payload?: { card_key?: string } } | undefined)?.event_payload
          ?.card_key;
        const sent = key ? sentAt.get(key) : undefined;
        return sent === undefined ? undefined : c.at - sent;
      })
      .filter((v): v is number => v !== undefined);

    console.log("checking that every delivery answered 200 is stored…");
    const missing = await countMissing(database.url, accepted);

    const p = (q: number) => percentile(latencies, q);
    const rows: Row[] = [
      { what: `ack p50 at ${RATE}/s (${SECONDS} s)`, measured: ms(p(50)), target: "—", ok: undefined },
      { what: `ack p99 at ${RATE}/s`, measured: ms(p(99)), target: "≤ 50 ms", ok: (p(99) ?? Infinity) <= 50 },
      {
        what: `ack p99.9 at ${RATE}/s`,
        measured: ms(p(99.9)),
        target: "≤ 250 ms",
        ok: (p(99.9) ?? Infinity) <= 250,
      },
      { what: `non-200 answers at ${RATE}/s`, measured: String(errors), target: "0", ok: errors === 0 },
      {
        what: "sustained verified + persisted/s",
        measured: sustained.toFixed(0),
        target: "≥ 2,000",
        ok: sustained >= 2000,
      },
      {
        what: `pgbench INSERT tps (${CONCURRENCY} clients)`,
        measured: pgbenchTps.toFixed(0),
        target: "—",
        ok: undefined,
      },
      {
        what: "bot / pgbench",
        measured: `${((100 * sustained) / pgbenchTps).toFixed(0)} %`,
        target: "≥ 70 %",
        ok: sustained / pgbenchTps >= 0.7,
      },
      {
        what: `webhook → card p50 at ${CARD_RATE}/s`,
        measured: ms(percentile(cardLatencies, 50)),
        target: "≤ 300 ms",
        ok: (percentile(cardLatencies, 50) ?? Infinity) <= 300,
      },
      {
        what: `webhook → card p99 at ${CARD_RATE}/s`,
        measured: ms(percentile(cardLatencies, 99)),
        target: "≤ 1 s",
        ok: (percentile(cardLatencies, 99) ?? Infinity) <= 1000,
      },
      {
        what: "cards posted / events sent",
        measured: `${cardLatencies.length} / ${orders.length}`,
        target: "all",
        ok: cardLatencies.length === orders.length,
      },
      {
        what: "inbox drain after the burst (events/s)",
        measured: drain.perSecond.toFixed(0),
        target: "—",
        ok: undefined,
      },
      {
        what: "200-answered deliveries missing from the database",
        measured: String(missing),
        target: "0",
        ok: missing === 0,
      },
    ];
    printTable(`Intake benchmark (database: ${database.kind}, ${new Date().toISOString()})`, rows);
    const file = writeResults("intake", {
      at: new Date().toISOString(),
      database: database.kind,
      rate: RATE,
      seconds: SECONDS,
      ack: {
        p50: p(50),
        p99: p(99),
        p999: p(99.9),
        max: Math.max(...latencies),
        errors,
        count: latencies.length,
      },
      sustained: { perSecond: sustained, concurrency: CONCURRENCY, seconds: MAX_SECONDS },
      pgbench: { tps: pgbenchTps, ratio: sustained / pgbenchTps },
      webhookToCard: {
        rate: CARD_RATE,
        p50: percentile(cardLatencies, 50),
        p99: percentile(cardLatencies, 99),
        posted: cardLatencies.length,
        sent: orders.length,
      },
      inboxDrain: drain,
      accepted: accepted.length,
      missing,
      rows,
    });
    console.log(`\nwritten: ${path.relative(REPO, file)}`);
    if (missing > 0) process.exitCode = 1;
  } finally {
    await bot.stop();
    await Promise.all([sim.close(), slack.close()]);
    await database.close();
  }
}

/** Waits until every stored event is processed; returns how fast the backlog went. */
async function waitForDrain(
  url: string,
  timeoutMs: number,
): Promise<{ backlog: number; seconds: number; perSecond: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const depth = async () =>
      (
        await client.query(
          "SELECT count(*)::int AS n FROM webhook_events WHERE processed_at IS NULL AND failed_at IS NULL",
        )
      ).rows[0].n as number;
    const backlog = await depth();
    const started = Date.now();
    while ((await depth()) > 0 && Date.now() - started < timeoutMs)
      await new Promise((r) => setTimeout(r, 500));
    const seconds = (Date.now() - started) / 1000;
    return { backlog, seconds, perSecond: seconds > 0 ? backlog / seconds : backlog };
  } finally {
    await client.end();
  }
}

async function countMissing(url: string, ids: string[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let found = 0;
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      const result = await client.query(
        "SELECT count(*)::int AS n FROM webhook_events WHERE event_id = ANY($1)",
        [chunk],
      );
      found += result.rows[0].n as number;
    }
    return ids.length - found;
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
