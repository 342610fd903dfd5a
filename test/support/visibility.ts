import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.js";
import { CHANNEL, type Stack, waitFor } from "./e2e.js";
import type { SlackFake } from "./slack-fake/index.js";
import { type BotResponse, postSigned, slashCommandBody } from "./slack-signing.js";
import { inOneManualSlot } from "./wait.js";

/** Helpers for the slash-command, digest, nudge and App Home tests. */

export interface SlashResult {
  status: number;
  /** What the ack carried (the inline answer, or "Working on it…"). */
  ack: { text?: string; blocks?: unknown[]; response_type?: string };
  /** The response_url id the command carried. */
  hookId: string;
  raw: BotResponse;
}

let hookSeq = 0;

/** Sends `/peeker <text>` to a bot, signed, with a response_url served by the fake. */
export async function slash(
  stack: Stack,
  text: string,
  options: { botUrl?: string; userId?: string; channelId?: string } = {},
): Promise<SlashResult> {
  hookSeq += 1;
  const hookId = `cmd-${process.pid}-${hookSeq}`;
  const raw = await postSigned(
    `${options.botUrl ?? stack.bots[0]!.url}/slack/events`,
    slashCommandBody({
      text,
      response_url: stack.slack.responseUrl(hookId),
      ...(options.userId ? { user_id: options.userId } : {}),
      ...(options.channelId ? { channel_id: options.channelId } : {}),
    }),
    stack.env.SLACK_SIGNING_SECRET!,
  );
  return { status: raw.status, ack: (raw.json ?? {}) as SlashResult["ack"], hookId, raw };
}

/** The answer that came through the response_url. */
export function hookAnswer(slack: SlackFake, hookId: string, timeoutMs = 15_000) {
  return waitFor(
    () =>
      slack.hookPosts(hookId).at(-1)?.body as
        | { text?: string; blocks?: unknown[]; response_type?: string }
        | undefined,
    { timeoutMs, what: `an answer through response_url ${hookId}` },
  );
}

/** Everything a message says, blocks included, as one string to search. */
export function allText(message: { text?: string; blocks?: unknown[] } | undefined): string {
  return `${message?.text ?? ""}\n${JSON.stringify(message?.blocks ?? [])}`;
}

export interface SeededAction {
  id: string;
  cardKey: string;
  ts: string;
}

/**
 * Tracked actions written straight into the bot's database, each with a posted card seeded in the fake's channel
 * (so permalinks and thread replies work) — how a test gets 500 open actions or an action opened hours ago
 * without waiting for Slack's pace or for the clock.
 */
export async function seedOpenActions(
  db: Kysely<Database>,
  slack: SlackFake,
  count: number,
  options: {
    reason?: string | ((i: number) => string);
    openedAt?: (i: number) => Date;
    claimedBy?: (i: number) => string | null;
    state?: "open" | "resolving";
  } = {},
): Promise<SeededAction[]> {
  const tag = randomBytes(3).toString("hex");
  const rows = Array.from({ length: count }, (_, i) => {
    const reason =
      typeof options.reason === "function" ? options.reason(i) : (options.reason ?? "replace_domain");
    const domainId = `dom_SEED${tag.toUpperCase()}${String(i).padStart(5, "0")}`;
    const cardKey = `${reason}:${domainId}`;
    const openedAt = options.openedAt?.(i) ?? new Date(Date.now() - (count - i) * 60_000);
    const ts = slack.seedMessage(CHANNEL, {
      text: `card ${cardKey}`,
      metadata: { event_type: "peeker_pending_action", event_payload: { card_key: cardKey } },
    });
    return {
      row: {
        card_key: cardKey,
        reason,
        resource_kind: "domain",
        resource_id: domainId,
        domain_id: domainId,
        domain: `seed-${tag}-${i}.com`,
        customer_email: `customer${i}@example.com`,
        details: "{}",
        state: options.state ?? ("open" as const),
        claimed_by: options.claimedBy?.(i) ?? null,
        opened_at: openedAt,
        last_seen_at: openedAt,
        last_checked_at: openedAt,
      },
      ts,
    };
  });
  const inserted = await db
    .insertInto("pending_actions")
    .values(rows.map((r) => r.row))
    .returning(["id", "card_key"])
    .execute();
  const byKey = new Map(rows.map((r) => [r.row.card_key, r.ts]));
  await db
    .insertInto("slack_cards")
    .values(
      inserted.map((r) => ({
        pending_action_id: r.id,
        channel: CHANNEL,
        desired_text: "seeded",
        desired_blocks: "[]",
        desired_metadata: "{}",
        desired_hash: "seeded",
        posted_hash: "seeded",
        ts: byKey.get(r.card_key)!,
        state: "posted" as const,
      })),
    )
    .execute();
  return inserted.map((r) => ({ id: r.id, cardKey: r.card_key, ts: byKey.get(r.card_key)! }));
}

/** Resolved actions in the database, for the digest's "resolved since" and its times to resolve. */
export async function seedResolvedActions(
  db: Kysely<Database>,
  items: { by: string; openedAt: Date; resolvedAt: Date; reason?: string }[],
): Promise<void> {
  const tag = randomBytes(3).toString("hex").toUpperCase();
  await db
    .insertInto("pending_actions")
    .values(
      items.map((item, i) => ({
        card_key: `${item.reason ?? "replace_domain"}:dom_RES${tag}${i}`,
        reason: item.reason ?? "replace_domain",
        resource_kind: "domain",
        resource_id: `dom_RES${tag}${i}`,
        details: "{}",
        state: "resolved" as const,
        opened_at: item.openedAt,
        last_seen_at: item.resolvedAt,
        last_checked_at: item.resolvedAt,
        resolved_at: item.resolvedAt,
        resolved_by: item.by,
        resolution: "Resolved",
      })),
    )
    .execute();
}

/** Top-level digest messages in the channel (of one slot when given). */
export function digests(slack: SlackFake, slot?: string) {
  return slack
    .channelMessages(CHANNEL)
    .filter((m) => m.metadata?.event_type === "peeker_digest")
    .filter((m) => slot === undefined || m.metadata?.event_payload.slot === slot);
}

/**
 * Asks `/peeker digest` once per bot URL (`together`: at the same time, else one after the other), all in one
 * manual slot (`inOneManualSlot`: asked again when they straddled a minute boundary).
 */
export async function digestRequestsInOneSlot(
  stack: Stack,
  botUrls: string[],
  { together = true } = {},
): Promise<{ answers: SlashResult[]; slot: string }> {
  const ask = (botUrl: string) => slash(stack, "digest", { botUrl });
  return inOneManualSlot(stack.database.handle.db, "digest", async () => {
    if (together) return Promise.all(botUrls.map(ask));
    const answers: SlashResult[] = [];
    for (const url of botUrls) answers.push(await ask(url));
    return answers;
  });
}
