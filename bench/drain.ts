/**
 * `npm run bench:drain` — design §9 "card backlog drain under a 1 msg/s per-channel limit": BENCH_CARDS (300)
 * pending actions appear in the Peeker simulator at once and their webhooks are delivered (signed, retried like
 * Peeker); every card goes to ONE channel whose Slack fake allows BENCH_RATE_PER_SECOND (1) chat.postMessage /
 * chat.update per second and answers 429 with Retry-After beyond it. Measures the messages/s achieved while
 * draining (first to last accepted chat.postMessage), 429s as a share of chat.postMessage calls, duplicates
 * (two messages with one metadata.card_key) and the total time. Prints a table, writes JSON to bench/results/,
 * exits 1 when a target is missed. Settings and results: bench/README.md.
 */
import path from "node:path";
import type { SimEvent } from "../test/support/peeker-sim/state.js";
import type { RecordedCall } from "../test/support/slack-fake/index.js";
import { type PeekerEventEnvelope, WebhookSender } from "../test/support/webhook-sender.js";
import { REPO } from "./lib/bot.js";
import { BENCH_SECRET, type BenchStack, startBenchStack } from "./lib/stack.js";
import { percentile, printTable, type Row, writeResults } from "./lib/stats.js";

const CARDS = Number(process.env.BENCH_CARDS ?? 300);
const RATE = Number(process.env.BENCH_RATE_PER_SECOND ?? 1);
// CARD_BACKLOG_LIMIT (design §5 "Backlog guard") would post 100 cards and a summary of the other 200; the bench
// measures the drain of every card, so it lifts the limit the documented way (as bench:chaos and bench:intake).
const BACKLOG_LIMIT = Number(process.env.BENCH_CARD_BACKLOG_LIMIT ?? 100_000);
const CHANNEL = "C0BENCHDRAIN";
const CARD_EVENT_TYPE = "peeker_pending_action";

const isOk = (c: RecordedCall) =>
  c.status === 200 && (c.response as { ok?: boolean } | undefined)?.ok === true;
const inChannel = (calls: RecordedCall[]) => calls.filter((c) => c.args.channel === CHANNEL);

/** Card messages in the channel by card key (a key seen twice is a duplicate). */
function cardKeys(stack: BenchStack): Map<string, number> {
  const keys = new Map<string, number>();
  for (const m of stack.slack.channelMessages(CHANNEL)) {
    if (m.metadata?.event_type !== CARD_EVENT_TYPE) continue;
    const key = String(m.metadata.event_payload.card_key);
    keys.set(key, (keys.get(key) ?? 0) + 1);
  }
  return keys;
}

/** Waits until `expected` cards are in the channel (or the deadline), then a few seconds more for late repeats. */
async function waitForCards(stack: BenchStack, expected: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (cardKeys(stack).size < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 250));
  const reached = cardKeys(stack).size >= expected;
  await new Promise((r) => setTimeout(r, 3000 + 1000 / RATE));
  return reached;
}

function measure(stack: BenchStack, sentAt: number) {
  const posts = inChannel(stack.slack.calls("chat.postMessage"));
  const updates = inChannel(stack.slack.calls("chat.update"));
  const accepted = posts.filter(isOk);
  const limited = posts.filter((c) => c.status === 429);
  const first = accepted[0]?.at ?? sentAt;
  const last = accepted.at(-1)?.at ?? sentAt;
  const drainSeconds = (last - first) / 1000;
  const gaps = accepted.slice(1).map((c, i) => c.at - accepted[i]!.at);
  const keys = cardKeys(stack);
  return {
    posts: posts.length,
    accepted: accepted.length,
    rateLimited: limited.length,
    /** Seconds after the first accepted post (when in the drain Slack said 429). */
    rateLimitedAt: limited.map((c) => (c.at - first) / 1000),
    otherErrors: posts.length - accepted.length - limited.length,
    updates: updates.length,
    updatesRateLimited: updates.filter((c) => c.status === 429).length,
    drainSeconds,
    perSecond: drainSeconds > 0 ? (accepted.length - 1) / drainSeconds : 0,
    share429: posts.length > 0 ? limited.length / posts.length : 0,
    cardsInChannel: keys.size,
    duplicates: [...keys.values()].reduce((sum, n) => sum + n - 1, 0),
    totalSeconds: (last - sentAt) / 1000,
    gapMs: { p50: percentile(gaps, 50), p99: percentile(gaps, 99), max: Math.max(0, ...gaps) },
  };
}

function rows(m: ReturnType<typeof measure>, expected: number, reached: boolean): Row[] {
  return [
    {
      what: `messages/s while draining (first to last accepted post, ${m.drainSeconds.toFixed(1)} s)`,
      measured: m.perSecond.toFixed(3),
      target: `≥ ${(0.9 * RATE).toFixed(2)}`,
      ok: m.perSecond >= 0.9 * RATE,
    },
    {
      what: "429s / chat.postMessage calls",
      measured: `${m.rateLimited} / ${m.posts} (${(100 * m.share429).toFixed(2)} %)`,
      target: "< 1 %",
      ok: m.share429 < 0.01,
    },
    {
      what: "duplicate card messages (same card_key)",
      measured: String(m.duplicates),
      target: "0",
      ok: m.duplicates === 0,
    },
    {
      what: "cards in the channel / expected",
      measured: `${m.cardsInChannel} / ${expected}`,
      target: "all",
      ok: reached && m.cardsInChannel === expected,
    },
    {
      what: "total time (first webhook to last post)",
      measured: `${m.totalSeconds.toFixed(1)} s`,
      target: "—",
      ok: undefined,
    },
    {
      what: "gap between accepted posts p50 / p99 / max",
      measured: `${[m.gapMs.p50, m.gapMs.p99, m.gapMs.max].map((v) => `${(v ?? 0).toFixed(0)}`).join(" / ")} ms`,
      target: "—",
      ok: undefined,
    },
    {
      what: "chat.update calls (429s) / other post errors",
      measured: `${m.updates} (${m.updatesRateLimited}) / ${m.otherErrors}`,
      target: "—",
      ok: undefined,
    },
  ];
}

async function main(): Promise<void> {
  const events: SimEvent[] = [];
  const stack = await startBenchStack({
    name: "drain",
    channel: CHANNEL,
    prepare: (sim, slack) => {
      sim.control.onEvent = (event) => events.push(event);
      slack.rateLimit({ channel: CHANNEL, perSecond: RATE });
    },
    env: { CARD_BACKLOG_LIMIT: String(BACKLOG_LIMIT) },
  });
  try {
    console.log(`database: ${stack.database.kind}; seeding ${CARDS} orders with a pending action…`);
    for (let i = 0; i < CARDS; i++)
      stack.sim.control.seedOrder({ status: "action_required", domains: [`bench-drain-${i}.com`] });
    const cardEvents = events.filter((e) => e.type === "order.action_required") as PeekerEventEnvelope[];
    const sender = new WebhookSender({ url: `${stack.bot.url}/peeker/webhooks`, secrets: [BENCH_SECRET] });
    const sentAt = Date.now();
    const sent = await sender.sendMany(cardEvents, {
      order: "in_order",
      concurrency: 8,
      send: { retryOnNon2xx: { attempts: 10, delayMs: 1000 } },
    });
    const undelivered = sent.filter((r) => r.status !== 200).length;
    const expected = Math.min(CARDS, BACKLOG_LIMIT);
    console.log(
      `${sent.length} webhooks delivered (${undelivered} not 200); draining ${expected} cards at ${RATE}/s…`,
    );
    const reached = await waitForCards(stack, expected, ((2 * expected) / RATE + 120) * 1000);
    const m = measure(stack, sentAt);
    const table = rows(m, expected, reached);
    if (undelivered > 0)
      table.push({
        what: "webhooks not answered 200",
        measured: String(undelivered),
        target: "0",
        ok: false,
      });
    printTable(
      `Card backlog drain (${CARDS} cards, ${RATE} msg/s per channel, database: ${stack.database.kind}, ${new Date().toISOString()})`,
      table,
    );
    const file = writeResults("drain", {
      at: new Date().toISOString(),
      settings: { cards: CARDS, ratePerSecond: RATE, backlogLimit: BACKLOG_LIMIT },
      database: stack.database.kind,
      ...m,
      rows: table,
      botLog: path.relative(REPO, stack.bot.logFile),
    });
    console.log(
      `\nwritten: ${path.relative(REPO, file)}\nbot log: ${path.relative(REPO, stack.bot.logFile)}`,
    );
    if (table.some((r) => r.ok === false)) process.exitCode = 1;
  } finally {
    await stack.close();
  }
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
