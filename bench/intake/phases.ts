import type { startPeekerSim } from "../../test/support/peeker-sim/server.js";
import type { startSlackFake } from "../../test/support/slack-fake/index.js";
import { closedLoop, openLoop } from "../lib/open-loop.js";
import { databaseDelta, groupSeconds, sampleDatabase } from "./cpu.js";
import { inboxDepth, withClient } from "./database.js";
import { type Delivery, delivery, noOpDeliveries } from "./deliveries.js";
import type { Server } from "./processes.js";
import { loadNow, type Throughput } from "./rows.js";

/** The measured phases of bench:intake that take more than one call. */

type Sim = Awaited<ReturnType<typeof startPeekerSim>>;
type Slack = Awaited<ReturnType<typeof startSlackFake>>;
/** Records the event ids a server answered 200 (checked against the database at the end). */
export type Keep = (requests: Delivery[], answers: { status: number; index: number }[]) => void;

/**
 * The most a server accepts: closed loop, `concurrency` connections, `seconds`, fresh no-op deliveries; with the
 * CPU its processes and its database's backends spent per accepted delivery meanwhile.
 */
export async function sustained(
  server: Server & { databaseUrl: string },
  concurrency: number,
  seconds: number,
  keep?: Keep,
): Promise<Throughput> {
  const requests = noOpDeliveries(Math.max(20_000, seconds * 8000));
  const databaseBefore = await sampleDatabase(server.databaseUrl);
  const serverBefore = groupSeconds(server.pgid);
  const closed = await closedLoop(server.url, requests, concurrency, seconds * 1000);
  const serverSeconds = groupSeconds(server.pgid) - serverBefore;
  // Committed transactions are flushed to the statistics about once a second: let the last ones land.
  await new Promise((r) => setTimeout(r, 1500));
  const database = databaseDelta(databaseBefore, await sampleDatabase(server.databaseUrl));
  keep?.(requests, closed.answers);
  const ok = closed.answers.filter((a) => a.status === 200).length;
  const perDelivery = (cpuSeconds: number) => (1000 * cpuSeconds) / Math.max(1, ok);
  return {
    perSecond: ok / (closed.elapsedMs / 1000),
    cpuMs: { server: perDelivery(serverSeconds), database: perDelivery(database.cpuSeconds) },
    commitsPerDelivery: database.commits / Math.max(1, ok),
    load: loadNow(),
  };
}

/**
 * Issue #14 item 2: the intake's accepted/s while its processor is busy with events that do real work (an
 * `order.action_required` per seeded order: a Peeker re-read, a pending action, a card for the Slack sender).
 * The work events are accepted first (closed loop), then the no-op closed loop runs while they drain; the inbox
 * must still hold some at the end, or the processor was idle for part of the phase.
 */
export async function sustainedWhileDraining(
  input: {
    sim: Sim;
    bot: Server & { databaseUrl: string };
    concurrency: number;
    seconds: number;
    workEvents: number;
  },
  keep: Keep,
): Promise<Throughput & { workEvents: number; workDone: number; workLeft: number }> {
  const { sim, bot, concurrency, seconds, workEvents } = input;
  const work = Array.from({ length: workEvents }, (_, i) => {
    const id = sim.control.seedOrder({ status: "action_required", domains: [`bench-drain-${i}.com`] }).order
      .id;
    return delivery("order.action_required", { id, status: "action_required" });
  });
  keep(work, (await closedLoop(bot.url, work, concurrency, 120_000)).answers);
  return withClient(bot.databaseUrl, async (client) => {
    const types = ["order.action_required"];
    const before = await inboxDepth(client, types);
    const measured = await sustained(bot, concurrency, seconds, keep);
    const left = await inboxDepth(client, types);
    return { ...measured, workEvents, workDone: before - left, workLeft: left };
  });
}

/** Webhook → card posted in the Slack fake at `rate`/s for `seconds`, on an idle pipeline. */
export async function webhookToCard(
  input: { sim: Sim; slack: Slack; url: string; channel: string; rate: number; seconds: number },
  keep: Keep,
): Promise<{ latencies: number[]; sent: number }> {
  const { sim, slack, url, channel, rate, seconds } = input;
  const orders = Array.from(
    { length: rate * seconds },
    (_, i) => sim.control.seedOrder({ status: "action_required", domains: [`bench-card-${i}.com`] }).order.id,
  );
  const requests = orders.map((id) => delivery("order.action_required", { id, status: "action_required" }));
  const sentAt = new Map<string, number>();
  const start = Date.now();
  // openLoop schedules request i at start + 50 ms + i / rate; the fake records posts on the same wall clock.
  for (const [i, id] of orders.entries()) {
    sentAt.set(`profile_picture_not_accessible:${id}`, start + 50 + (i * 1000) / rate);
  }
  keep(requests, (await openLoop(url, requests, rate)).answers);
  const deadline = Date.now() + 60_000;
  const posted = () =>
    slack
      .calls("chat.postMessage")
      .filter((c) => c.status === 200 && !c.args.thread_ts && c.args.channel === channel)
      .filter((c) => {
        const key = cardKeyOf(c.args.metadata);
        return key !== undefined && sentAt.has(key);
      });
  while (posted().length < orders.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  const latencies = posted().map((c) => c.at - (sentAt.get(cardKeyOf(c.args.metadata) ?? "") ?? c.at));
  // BENCH_CARD_TIMELINE=1: posts per second since the first delivery (tells a slow sender from a slow processor).
  if (process.env.BENCH_CARD_TIMELINE) {
    const perSecond = new Map<number, number>();
    for (const c of posted()) {
      const second = Math.floor((c.at - start) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    console.log(
      "card posts per second:",
      JSON.stringify([...perSecond.entries()].sort((x, y) => x[0] - y[0])),
    );
  }
  return { latencies, sent: orders.length };
}

const cardKeyOf = (metadata: unknown): string | undefined =>
  (metadata as { event_payload?: { card_key?: string } } | undefined)?.event_payload?.card_key;
