import type pg from "pg";
import type { PendingActionRow } from "../../src/db/schema.js";
import { cardKeyFor } from "../../src/pending/card-keys.js";
import type { PeekerSim } from "../../test/support/peeker-sim/server.js";
import type { SlackFake } from "../../test/support/slack-fake/index.js";

/**
 * What the bench judges, from three sources read side by side:
 *   - Peeker's truth (the simulator's state): the card keys of every action it lists as pending, computed with
 *     the bot's own card-key rule (src/pending/card-keys.ts) from the resources, not from anything the bot said;
 *   - the bot's database: `pending_actions` rows not `resolved`, rows `resolving`, the outbox still to send;
 *   - what the channel shows (the Slack fake): top-level card messages by `metadata.card_key`, open while they
 *     still carry a button.
 * Drift is every difference: an action open in Peeker without an open card, an open card Peeker no longer lists,
 * a resource with two cards. Duplicates come from the simulator's request log (writes) and the customer
 * channels (messages).
 */
export interface DriftItem {
  key: string;
  where: "database" | "slack";
  kind: "missing" | "extra" | "double";
  detail: Record<string, unknown>;
}

export interface Snapshot {
  at: number;
  truth: number;
  database: { missing: number; extra: number; double: number };
  slack: { missing: number; extra: number; double: number };
  resolving: number;
  outbox: number;
  items: DriftItem[];
  resolvingRows: Array<Record<string, unknown>>;
}

export const driftOf = (s: Snapshot, where?: "database" | "slack") =>
  (where !== "slack" ? s.database.missing + s.database.extra + s.database.double : 0) +
  (where !== "database" ? s.slack.missing + s.slack.extra + s.slack.double : 0);

type Row = Pick<
  PendingActionRow,
  "id" | "card_key" | "reason" | "state" | "resource_kind" | "resource_id" | "order_id" | "domain_id"
> &
  Pick<
    PendingActionRow,
    "import_id" | "swap_id" | "resolving_note" | "resolving_since" | "resolution" | "details"
  >;

/** Every card key Peeker lists as pending now, with what it is about. */
export function peekerTruth(sim: PeekerSim): Map<string, Record<string, unknown>> {
  const state = sim.control.state;
  const truth = new Map<string, Record<string, unknown>>();
  for (const a of state.orderActions.values()) {
    if (a.status !== "open") continue;
    const key = cardKeyFor({
      reason: a.reason,
      orderId: a.order_id,
      domainId: a.domain_id,
      actionId: a.id,
      resourceId: a.id,
    });
    truth.set(key, { kind: "order", id: a.order_id, status: state.orders.get(a.order_id)?.status });
  }
  for (const d of state.domains.values()) {
    for (const a of d.actions) {
      const key = cardKeyFor({ reason: a.reason, domainId: d.id, actionId: a.id, resourceId: d.id });
      truth.set(key, { kind: "domain", id: d.id, status: d.status });
    }
  }
  for (const i of state.imports.values()) {
    for (const a of i.actions) {
      const key = cardKeyFor({ reason: a.reason, importId: i.id, actionId: a.id, resourceId: i.id });
      truth.set(key, { kind: "import", id: i.id, status: i.status });
    }
  }
  for (const s of state.swaps.values()) {
    if (s.status !== "action_required") continue;
    for (const a of s.actions) {
      const key = cardKeyFor({ reason: a.reason, domainId: s.domain_id, resourceId: s.id });
      truth.set(key, { kind: "swap", id: s.id, status: s.status, domain: s.domain_id });
    }
  }
  return truth;
}

/** Rows about one resource share a group; two live rows in a group are two cards for one thing. */
function groupOf(row: Row): string {
  if (row.reason === "update_nameservers") return `ns:${row.import_id ?? row.domain_id ?? row.resource_id}`;
  if (row.reason === "profile_picture_not_accessible") return `pic:${row.order_id ?? row.resource_id}`;
  if (row.reason === "replace_domain") return `rd:${row.domain_id ?? row.resource_id}`;
  return `key:${row.card_key}`;
}

const hasButton = (blocks: unknown) => JSON.stringify(blocks ?? []).includes('"type":"button"');

export async function snapshot(
  client: pg.Client,
  sim: PeekerSim,
  slack: SlackFake,
  channel: string,
): Promise<Snapshot> {
  const truth = peekerTruth(sim);
  const { rows } = await client.query<Row>(
    `SELECT id, card_key, reason, state, resource_kind, resource_id, order_id, domain_id, import_id, swap_id,
            resolving_note, resolving_since, resolution, details
       FROM pending_actions WHERE state <> 'resolved'`,
  );
  const outbox = await client.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM slack_cards WHERE posted_hash IS DISTINCT FROM desired_hash AND NOT held)::int
          + (SELECT count(*) FROM thread_lines WHERE state <> 'sent')::int AS n`,
  );
  const items: DriftItem[] = [];
  const live = new Map(rows.map((r) => [r.card_key, r]));
  const describe = (r: Row | undefined) =>
    r
      ? {
          peekerNow: peekerStatusOf(sim, r),
          state: r.state,
          kind: r.resource_kind,
          resource: r.resource_id,
          swap: r.swap_id,
          note: r.resolving_note,
          notes: (r.details as { notes?: unknown }).notes,
        }
      : {};
  for (const [key, about] of truth) {
    if (!live.has(key)) items.push({ key, where: "database", kind: "missing", detail: { peeker: about } });
  }
  for (const row of rows) {
    if (!truth.has(row.card_key))
      items.push({ key: row.card_key, where: "database", kind: "extra", detail: describe(row) });
  }
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(groupOf(row), [...(groups.get(groupOf(row)) ?? []), row]);
  for (const [group, members] of groups) {
    if (members.length > 1)
      items.push({
        key: group,
        where: "database",
        kind: "double",
        detail: { rows: members.map((m) => ({ key: m.card_key, ...describe(m) })) },
      });
  }

  const cards = slack
    .channelMessages(channel)
    .filter((m) => m.metadata?.event_type === "peeker_pending_action");
  const byKey = new Map<string, typeof cards>();
  for (const card of cards) {
    const key = String(card.metadata?.event_payload?.card_key);
    byKey.set(key, [...(byKey.get(key) ?? []), card]);
  }
  const openInSlack = new Set(
    [...byKey].filter(([, list]) => list.some((m) => hasButton(m.blocks))).map(([k]) => k),
  );
  for (const [key, about] of truth) {
    if (!openInSlack.has(key))
      items.push({
        key,
        where: "slack",
        kind: "missing",
        detail: { peeker: about, posted: byKey.has(key), row: describe(live.get(key)) },
      });
  }
  for (const key of openInSlack) {
    if (!truth.has(key))
      items.push({ key, where: "slack", kind: "extra", detail: { row: describe(live.get(key)) } });
  }
  for (const [key, list] of byKey) {
    if (list.length > 1)
      items.push({ key, where: "slack", kind: "double", detail: { messages: list.map((m) => m.ts) } });
  }
  const count = (where: DriftItem["where"], kind: DriftItem["kind"]) =>
    items.filter((i) => i.where === where && i.kind === kind).length;
  const resolving = rows.filter((r) => r.state === "resolving");
  return {
    at: Date.now(),
    truth: truth.size,
    database: {
      missing: count("database", "missing"),
      extra: count("database", "extra"),
      double: count("database", "double"),
    },
    slack: {
      missing: count("slack", "missing"),
      extra: count("slack", "extra"),
      double: count("slack", "double"),
    },
    resolving: resolving.length,
    outbox: outbox.rows[0]?.n ?? 0,
    items,
    resolvingRows: resolving.map((r) => ({
      key: r.card_key,
      note: r.resolving_note,
      since: r.resolving_since,
      swap: r.swap_id,
      notes: (r.details as { notes?: unknown }).notes,
    })),
  };
}

export interface Duplicates {
  /** Swaps created beyond the first for one domain. */
  swaps: number;
  /** Corrected orders placed beyond the first for one original (same domains). */
  orders: number;
  /** Accepted cancels beyond the first of one order (safe to repeat; reported, not failed). */
  repeatedCancels: number;
  /** Customer messages beyond the first for one submit (each submit's text carries a unique marker). */
  customerMessages: number;
  customerMessagesSent: number;
  details: Array<Record<string, unknown>>;
}

export function duplicates(
  sim: PeekerSim,
  slack: SlackFake,
  customerChannels: string[],
  nonces: string[],
  seededOrders: Set<string>,
): Duplicates {
  const details: Array<Record<string, unknown>> = [];
  const ok = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
  const swapsByDomain = new Map<string, number>();
  for (const r of sim.control.requests({ method: "POST", route: "/swaps" })) {
    if (!ok(r.status)) continue;
    const domain = String((r.body as { domain_id?: string }).domain_id);
    swapsByDomain.set(domain, (swapsByDomain.get(domain) ?? 0) + 1);
  }
  let swaps = 0;
  for (const [domain, n] of swapsByDomain)
    if (n > 1) {
      swaps += n - 1;
      details.push({ write: "POST /swaps", domain, created: n });
    }
  const state = sim.control.state;
  const ordersByDomains = new Map<string, string[]>();
  for (const order of state.orders.values()) {
    if (seededOrders.has(order.id)) continue;
    const names = order.domainIds
      .map((id) => state.domains.get(id)?.domain ?? id)
      .sort()
      .join(",");
    ordersByDomains.set(names, [...(ordersByDomains.get(names) ?? []), order.id]);
  }
  let orders = 0;
  for (const [domains, ids] of ordersByDomains)
    if (ids.length > 1) {
      orders += ids.length - 1;
      details.push({ write: "POST /orders", domains, orders: ids });
    }
  const cancels = new Map<string, number>();
  for (const r of sim.control.requests({ method: "POST", route: "/orders/{id}/cancel" })) {
    if (ok(r.status)) cancels.set(r.path, (cancels.get(r.path) ?? 0) + 1);
  }
  const repeatedCancels = [...cancels.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const posted = customerChannels.flatMap((c) => slack.messages(c));
  let customerMessages = 0;
  let customerMessagesSent = 0;
  for (const nonce of nonces) {
    const copies = posted.filter((m) => (m.text ?? "").includes(nonce));
    if (copies.length > 0) customerMessagesSent++;
    if (copies.length > 1) {
      customerMessages += copies.length - 1;
      details.push({
        write: "customer message",
        nonce,
        copies: copies.map((m) => ({
          channel: m.channel,
          ts: m.ts,
          thread: m.thread_ts,
          text: m.text?.slice(0, 100),
        })),
      });
    }
  }
  return { swaps, orders, repeatedCancels, customerMessages, customerMessagesSent, details };
}

/** What Peeker says now about a row's resource (status, open actions), to tell why a card is left over. */
function peekerStatusOf(sim: PeekerSim, row: Row): Record<string, unknown> {
  const state = sim.control.state;
  switch (row.resource_kind) {
    case "order":
      return {
        order: state.orders.get(row.order_id ?? row.resource_id)?.status,
        open: sim.control.openOrderActions(row.order_id ?? row.resource_id).length,
      };
    case "domain": {
      const d = state.domains.get(row.domain_id ?? row.resource_id);
      return { domain: d?.status, open: d?.actions.length };
    }
    case "domain_import": {
      const i = state.imports.get(row.import_id ?? row.resource_id);
      return { import: i?.status, open: i?.actions.length };
    }
    case "swap": {
      const s = state.swaps.get(row.resource_id);
      return { swap: s?.status, open: s?.actions.length };
    }
    default:
      return {};
  }
}

/** The outbox rows still to send, with the channels' lease and pacing rows and the database's time. */
export async function unsentOutbox(client: pg.Client): Promise<Record<string, unknown[]>> {
  const query = async (text: string) => (await client.query(text)).rows as unknown[];
  return {
    now: await query("SELECT now() AS now"),
    cards: await query(
      `SELECT pending_action_id, channel, state, held, attempts, next_attempt_at, last_error, ts, post_attempted_at
         FROM slack_cards WHERE posted_hash IS DISTINCT FROM desired_hash AND NOT held`,
    ),
    lines: await query(
      `SELECT l.id, l.channel, l.state, l.attempts, l.next_attempt_at, l.last_error, c.ts AS card_ts
         FROM thread_lines l LEFT JOIN slack_cards c ON c.pending_action_id = l.pending_action_id
        WHERE l.state <> 'sent'`,
    ),
    channels: await query("SELECT * FROM slack_channels"),
    customerMessages: await query(
      "SELECT id, channel, state, attempts, next_attempt_at FROM customer_messages WHERE state <> 'sent'",
    ),
  };
}
