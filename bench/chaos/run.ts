import pg from "pg";
import { startPeekerSim } from "../../test/support/peeker-sim/server.js";
import { startPictureHost } from "../../test/support/picture-host.js";
import { startSlackFake } from "../../test/support/slack-fake/index.js";
import { type BotFleet, fleetEnv, startFleet } from "./bots.js";
import { type Clicker, createClicker, type FlowRecord } from "./clicks.js";
import { openChaosDatabase } from "./database.js";
import { createFaultInjector, type FaultLog } from "./faults.js";
import { type LogSummary, summarizeLogs } from "./logs.js";
import { type Duplicates, driftOf, duplicates, type Snapshot, snapshot, unsentOutbox } from "./measure.js";
import type { ChaosOptions } from "./options.js";
import { createPrng } from "./prng.js";
import { createForwarder, type DeliveryStats } from "./webhooks.js";
import { createWorld, type WorldStats } from "./world.js";

/** The phases of one chaos run: set up, seed and settle, faults, then watch the drift go (or not). */

/** How long each card stayed `resolving`, as the samples saw it (first to last sample in a row). */
export interface ResolvingSpell {
  key: string;
  seconds: number;
  note: unknown;
  /** Still resolving when the run ended. */
  open: boolean;
}

function resolvingTracker() {
  const since = new Map<string, { first: number; last: number; note: unknown }>();
  const spells: ResolvingSpell[] = [];
  return {
    see(s: Snapshot) {
      const now = new Set<string>();
      for (const row of s.resolvingRows) {
        const key = String(row.key);
        now.add(key);
        const seen = since.get(key);
        if (seen) {
          seen.last = s.at;
          seen.note = row.note;
        } else since.set(key, { first: s.at, last: s.at, note: row.note });
      }
      for (const [key, seen] of since) {
        if (now.has(key)) continue;
        spells.push({ key, seconds: (seen.last - seen.first) / 1000, note: seen.note, open: false });
        since.delete(key);
      }
    },
    spells(): ResolvingSpell[] {
      const open = [...since].map(([key, seen]) => ({
        key,
        seconds: (seen.last - seen.first) / 1000,
        note: seen.note,
        open: true,
      }));
      return [...spells, ...open].sort((a, b) => b.seconds - a.seconds);
    },
  };
}

export const CHANNEL = "C0CHAOS0001";
const SECRET = "whsec_chaos_bench_secret";
const SIGNING_SECRET = "chaos-bench-signing-secret";
const CUSTOMER_CHANNELS = Array.from({ length: 8 }, (_, i) => `C0CUSTOMER${i}`);

export interface ChaosResult {
  options: ChaosOptions;
  database: string;
  baseline: { seconds: number; reached: boolean; snapshot: Snapshot };
  timeline: Array<Pick<Snapshot, "at" | "truth" | "database" | "slack" | "resolving" | "outbox">>;
  faultsStoppedAt: number;
  /** The verdict snapshot, two reconcile intervals after the faults stopped. */
  atTwoIntervals: Snapshot;
  final: Snapshot;
  /** The outbox stopped shrinking for 30 s while not empty (a stall, not Slack's pace). */
  outboxStalled: boolean;
  secondsToDriftZero: { database: number | undefined; all: number | undefined };
  duplicates: Duplicates;
  flows: FlowRecord[];
  kills: Array<{ at: number; slot: number; why: string }>;
  deliveries: DeliveryStats;
  faults: FaultLog;
  world: WorldStats;
  logs: LogSummary;
  /** The audit trail of every card left drifting, resolving or duplicated (the database is dropped after). */
  audit: Record<string, unknown[]>;
  /** The longest `resolving` spells seen (a card is stuck past one reconcile interval, design §6). */
  resolvingSpells: ResolvingSpell[];
  /** When the outbox was not empty at the end: its rows and the channels' leases and pacing, to see why. */
  outboxLeft: Record<string, unknown[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The bot's pace in a channel after a 429 (one message a second). */
const SLACK_PACE_MS = 1000;
/** An outbox that has not shrunk for this long while not empty has stalled. */
const OUTBOX_STALL_MS = 30_000;

export async function runChaos(options: ChaosOptions, logsDir: string): Promise<ChaosResult> {
  const prng = createPrng(options.seed);
  const tag = `s${options.seed}`;
  const database = await openChaosDatabase(options.databaseUrl);
  const sim = await startPeekerSim({ rateLimit: { limit: options.peekerLimit, windowMs: 60_000 } });
  const slack = await startSlackFake();
  const pictures = await startPictureHost();
  let fleet: BotFleet | undefined;
  const forwarder = createForwarder({
    secret: SECRET,
    targets: () => fleet?.live().map((b) => b.url) ?? [],
    prng: prng.fork("webhooks"),
  });
  sim.control.onEvent = (event) => forwarder.onEvent(event);
  const client = new pg.Client({ connectionString: database.url });
  try {
    fleet = await startFleet(
      fleetEnv(
        {
          databaseUrl: database.url,
          peekerUrl: sim.url,
          slackUrl: slack.apiUrl,
          webhookSecret: SECRET,
          channel: CHANNEL,
        },
        {
          SLACK_BOT_TOKEN: "xoxb-chaos-bench-token",
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          RECONCILE_CRON: `*/${options.reconcileSeconds} * * * * *`,
          PEEKER_SEQUENCER_LOGIN_EMAIL: "sequencer@chaos.test",
          PEEKER_SEQUENCER_LOGIN_PASSWORD: "chaos-sequencer-password",
          ...pictures.env(),
        },
      ),
    );
    await client.connect();
    const world = createWorld(sim, forwarder, prng.fork("world"), tag);
    const resolving = resolvingTracker();
    const look = async () => {
      const seen = await snapshot(client, sim, slack, CHANNEL);
      resolving.see(seen);
      return seen;
    };

    console.log(`seeding ${options.perReason} actions of each of 4 reasons…`);
    const seedStart = Date.now();
    world.seed(options.perReason);
    await linkCustomers(client, world.nameserverCustomers());
    const baseline = await settleBaseline(look, world, 240_000);
    const baselineSeconds = (Date.now() - seedStart) / 1000;
    console.log(
      `baseline ${baseline.reached ? "reached" : "NOT reached"} in ${baselineSeconds.toFixed(1)} s`,
    );

    const clicker = createClicker({
      slack,
      channel: CHANNEL,
      signingSecret: SIGNING_SECRET,
      fleet,
      prng: prng.fork("clicks"),
      tag,
      killDuringFlows: options.kills,
      onNameserversSent: (resource) => world.customerNotified(resource),
      resourceOf: async (id) => {
        const row = (
          await client.query("SELECT import_id, domain_id FROM pending_actions WHERE id = $1", [id])
        ).rows[0] as { import_id: string | null; domain_id: string | null } | undefined;
        if (row?.import_id) return { kind: "import" as const, id: row.import_id };
        return row?.domain_id ? { kind: "domain" as const, id: row.domain_id } : undefined;
      },
    });
    const timeline: ChaosResult["timeline"] = [];
    const faults = createFaultInjector(sim, slack, CHANNEL, prng.fork("faults"));
    console.log(
      `chaos for ${options.seconds} s (${(["faults", "kills", "clicks", "churn"] as const).map((k) => `${k} ${options[k] ? "on" : "off"}`).join(", ")})…`,
    );
    await faultPhase(
      options,
      { fleet, world, faults, clicker, look, timeline, prng: prng.fork("kills") },
      forwarder,
    );

    const faultsStoppedAt = Date.now();
    faults.clear();
    forwarder.setFaults(false);
    console.log("faults stopped; restarting any bot that is down and watching the drift…");
    await fleet.ensureAllUp();
    const settle = await settlePhase(options, faultsStoppedAt, look, world, timeline);

    const dups = duplicates(
      sim,
      slack,
      [CHANNEL, ...CUSTOMER_CHANNELS],
      clicker.records().flatMap((r) => (r.nonce && r.stage === "submitted" ? [r.nonce] : [])),
      world.seededOrders(),
    );
    const flows = clicker.records();
    const suspects = [
      ...settle.final.items.filter((i) => i.kind !== "double").map((i) => i.key),
      ...settle.final.resolvingRows.map((r) => String(r.key)),
      ...resolving
        .spells()
        .filter((r) => r.seconds > options.reconcileSeconds)
        .map((r) => r.key),
      ...dups.details.flatMap((d) => (d.write === "POST /swaps" ? [`replace_domain:${d.domain}`] : [])),
      ...dups.details.flatMap((d) =>
        d.write === "customer message" ? flows.filter((f) => f.nonce === d.nonce).map((f) => f.cardKey) : [],
      ),
    ];
    return {
      options,
      database: database.kind,
      audit: await auditOf(client, [...new Set(suspects)]),
      outboxLeft: settle.final.outbox > 0 ? await unsentOutbox(client) : {},
      resolvingSpells: resolving.spells().slice(0, 20),
      baseline: { seconds: baselineSeconds, ...baseline },
      timeline,
      faultsStoppedAt,
      ...settle,
      duplicates: dups,
      flows,
      kills: fleet.kills().map(({ at, slot, why }) => ({ at, slot, why })),
      deliveries: forwarder.stats(),
      faults: faults.log(),
      world: world.stats(),
      logs: summarizeLogs(fleet.all(), logsDir),
    };
  } finally {
    forwarder.stop();
    await client.end().catch(() => {});
    await fleet?.stop();
    await Promise.all([sim.close(), slack.close(), pictures.close()]);
    await database.close();
  }
}

/** Customers waiting on nameservers get a linked channel, so *Send nameservers…* messages them there. */
async function linkCustomers(client: pg.Client, customers: Array<{ userId: string; email: string }>) {
  for (const [i, c] of customers.entries()) {
    await client.query(
      `INSERT INTO customer_channels (user_id, email, channel, linked_by) VALUES ($1, $2, $3, 'U0CHAOSOP1')
       ON CONFLICT (user_id) DO NOTHING`,
      [c.userId, c.email, CUSTOMER_CHANNELS[i % CUSTOMER_CHANNELS.length]],
    );
  }
}

/** Waits until every seeded action has its card (database and channel), Peeker finishing nothing meanwhile. */
async function settleBaseline(
  look: () => Promise<Snapshot>,
  world: ReturnType<typeof createWorld>,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let last = await look();
  while (Date.now() < deadline) {
    world.progress();
    last = await look();
    if (driftOf(last) === 0 && last.outbox === 0) return { reached: true, snapshot: last };
    await sleep(1_000);
  }
  return { reached: false, snapshot: last };
}

interface PhaseParts {
  fleet: BotFleet;
  world: ReturnType<typeof createWorld>;
  faults: ReturnType<typeof createFaultInjector>;
  clicker: Clicker;
  look: () => Promise<Snapshot>;
  timeline: ChaosResult["timeline"];
  prng: ReturnType<typeof createPrng>;
}

/** About `seconds` of everything at once; returns when the clicks in flight have been answered. */
async function faultPhase(
  options: ChaosOptions,
  parts: PhaseParts,
  forwarder: ReturnType<typeof createForwarder>,
): Promise<void> {
  const { fleet, world, faults, clicker, prng } = parts;
  forwarder.setFaults(options.faults);
  const end = Date.now() + options.seconds * 1000;
  let nextKill = Date.now() + prng.int(5_000, 15_000);
  const clickers = options.clicks
    ? Array.from({ length: 3 }, async () => {
        while (Date.now() < end) {
          await clicker.runOne().catch((error: Error) => console.error(`click failed: ${error.message}`));
          await sleep(prng.int(200, 1_200));
        }
      })
    : [];
  let lastSample = 0;
  while (Date.now() < end) {
    world.progress();
    if (options.churn) world.churn(options.faults);
    if (options.faults) faults.tick();
    if (options.kills && Date.now() >= nextKill) {
      // One bot at a time: the other keeps serving, as a replica should.
      if (fleet.live().length === 2) fleet.kill(prng.int(0, 1), "random moment", prng.int(1_000, 4_000));
      nextKill = Date.now() + prng.int(6_000, 15_000);
    }
    if (Date.now() - lastSample >= 5_000) {
      lastSample = Date.now();
      parts.timeline.push(brief(await parts.look()));
    }
    await sleep(1_000);
  }
  await Promise.all(clickers);
}

/** Peeker keeps finishing work; drift is sampled every second until the verdict (and the Slack grace). */
async function settlePhase(
  options: ChaosOptions,
  stoppedAt: number,
  look: () => Promise<Snapshot>,
  world: ReturnType<typeof createWorld>,
  timeline: ChaosResult["timeline"],
) {
  const verdictAt = stoppedAt + 2 * options.reconcileSeconds * 1000;
  let endAt = verdictAt + options.slackGraceSeconds * 1000;
  let atTwoIntervals: Snapshot | undefined;
  let final = await look();
  let lastDirty = { database: stoppedAt, all: stoppedAt };
  let clean = { database: false, all: false };
  // The outbox drains at Slack's pace (1 message/s in a channel that was answered 429): the grace covers what
  // was still to send at the verdict at that pace; a sender that stops making progress is a stall, not slowness.
  let outboxLow = { depth: Number.POSITIVE_INFINITY, at: Date.now() };
  let stalled = false;
  while (Date.now() < endAt) {
    world.progress();
    final = await look();
    timeline.push(brief(final));
    clean = { database: driftOf(final, "database") === 0, all: driftOf(final) === 0 };
    if (!clean.database) lastDirty.database = final.at;
    if (!clean.all) lastDirty.all = final.at;
    if (!atTwoIntervals && Date.now() >= verdictAt) {
      atTwoIntervals = final;
      endAt = Math.max(endAt, Date.now() + (final.outbox * SLACK_PACE_MS * 3) / 2 + 30_000);
    }
    if (final.outbox < outboxLow.depth) outboxLow = { depth: final.outbox, at: Date.now() };
    if (atTwoIntervals && final.outbox > 0 && Date.now() - outboxLow.at > OUTBOX_STALL_MS) {
      stalled = true;
      break;
    }
    // Past the verdict, stop early once everything is quiet: no drift, nothing resolving, outbox empty.
    if (atTwoIntervals && clean.all && final.resolving === 0 && final.outbox === 0) break;
    await sleep(1_000);
  }
  lastDirty = { ...lastDirty };
  const seconds = (dirtyAt: number, isClean: boolean) =>
    isClean ? Math.max(0, (dirtyAt - stoppedAt) / 1000) : undefined;
  return {
    atTwoIntervals: atTwoIntervals ?? final,
    final,
    outboxStalled: stalled,
    secondsToDriftZero: {
      database: seconds(lastDirty.database, clean.database),
      all: seconds(lastDirty.all, clean.all),
    },
  };
}

function brief(s: Snapshot) {
  return {
    at: s.at,
    truth: s.truth,
    database: s.database,
    slack: s.slack,
    resolving: s.resolving,
    outbox: s.outbox,
  };
}

async function auditOf(client: pg.Client, keys: string[]): Promise<Record<string, unknown[]>> {
  if (keys.length === 0) return {};
  const { rows } = await client.query(
    `SELECT p.card_key, a.at, a.actor, a.action, a.details, a.peeker_request_id
       FROM audit_log a JOIN pending_actions p ON p.id = a.pending_action_id
      WHERE p.card_key = ANY($1) ORDER BY a.id`,
    [keys],
  );
  const byKey: Record<string, unknown[]> = {};
  for (const { card_key, ...row } of rows as Array<{ card_key: string }>) {
    byKey[card_key] = [...(byKey[card_key] ?? []), row];
  }
  return byKey;
}
