import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createBacklogGuard } from "../../../src/bot/sender/backlog-guard.js";
import { type DrainDeps, drainChannel } from "../../../src/bot/sender/drain-channel.js";
import type { SlackPoster } from "../../../src/bot/sender/slack-poster.js";
import { BACKLOG_EVENT_TYPE } from "../../../src/bot/views/backlog-summary.js";
import { acquireChannelLease } from "../../../src/db/slack-channels.repository.js";
import {
  cardRow,
  fakeSlack,
  lineRow,
  postedCard,
  queueCard,
  queueLine,
  sendDeps,
  slackErrors,
  useOutboxDatabase,
} from "./sender-fixtures.js";

/**
 * The channel drain loop (src/bot/sender/drain-channel.ts) on a real database with a plain-object Slack client:
 * the channel's due cards and lines go out oldest first under its lease, at most `maxSends` per lease; failures
 * are retried later with backoff; the backlog summary goes first when due, and a fetched batch is dropped when
 * the guard moves cards, so a card held meanwhile is never posted.
 */
describe("draining one channel", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0DRAIN001";
  const notStopping = () => false;
  const deps = (slack: SlackPoster, more: Partial<DrainDeps> = {}): DrainDeps => ({
    ...sendDeps(db()),
    slack,
    pacing: { workerId: "worker-a", leaseSeconds: 30, paceMs: 1000, pacedForMs: 60_000 },
    maxSends: 60,
    random: () => 0,
    ...more,
  });
  const lockedBy = async () =>
    (
      await db()
        .selectFrom("slack_channels")
        .select("locked_by")
        .where("channel", "=", CHANNEL)
        .executeTakeFirst()
    )?.locked_by;

  it("sends the channel's due cards and lines oldest first, marks them sent, and gives the lease back", async () => {
    const card = await postedCard(db(), CHANNEL, "1700000000.000200");
    const line = await queueLine(db(), CHANNEL, card.id, "Claimed");
    const fresh = await queueCard(db(), CHANNEL);
    const slack = fakeSlack();
    expect(await drainChannel(deps(slack), CHANNEL, notStopping)).toBe(2);
    expect(slack.made("postMessage").map((m) => m.thread_ts ?? m.text)).toEqual([
      "1700000000.000200",
      `card ${fresh.card_key}`,
    ]);
    expect(await lineRow(db(), line.id)).toMatchObject({ state: "sent", ts: "1700000000.000001" });
    expect(await cardRow(db(), fresh.id)).toMatchObject({ state: "posted", ts: "1700000000.000002" });
    expect(await lockedBy()).toBeNull();
    expect(await drainChannel(deps(slack), CHANNEL, notStopping)).toBe(0);
  });

  it("sends at most maxSends per lease, and nothing while another worker holds the channel", async () => {
    for (let i = 0; i < 3; i++) await queueCard(db(), CHANNEL);
    const slack = fakeSlack();
    expect(await drainChannel(deps(slack, { maxSends: 2 }), CHANNEL, notStopping)).toBe(2);
    await acquireChannelLease(db(), CHANNEL, "worker-b", 30);
    expect(await drainChannel(deps(slack), CHANNEL, notStopping)).toBe(0);
    expect(slack.made("postMessage")).toHaveLength(2);
  });

  it("schedules a failed post again with backoff, counting the attempt", async () => {
    const action = await queueCard(db(), CHANNEL);
    const slack = fakeSlack({
      postMessage: async () => Promise.reject(slackErrors.platform("invalid_blocks")),
    });
    expect(await drainChannel(deps(slack), CHANNEL, notStopping)).toBe(1);
    const card = await db()
      .selectFrom("slack_cards")
      .select(["state", "attempts", "last_error", sql<boolean>`next_attempt_at > now()`.as("later")])
      .where("pending_action_id", "=", action.id)
      .executeTakeFirstOrThrow();
    expect(card).toEqual({ state: "to_post", attempts: 1, last_error: "invalid_blocks", later: true });
  });

  it("gives the channel back on a long Retry-After, the card still waiting its turn", async () => {
    await queueCard(db(), CHANNEL);
    await queueCard(db(), CHANNEL);
    const slack = fakeSlack({ postMessage: async () => Promise.reject(slackErrors.rateLimited(30)) });
    expect(await drainChannel(deps(slack), CHANNEL, notStopping)).toBe(1);
    expect(slack.made("postMessage")).toHaveLength(1);
    expect(await lockedBy()).toBeNull();
  });

  it("posts the backlog summary first and holds the cards past the limit", async () => {
    const actions = [
      await queueCard(db(), CHANNEL),
      await queueCard(db(), CHANNEL),
      await queueCard(db(), CHANNEL),
    ];
    const slack = fakeSlack();
    const backlog = createBacklogGuard(db(), 2);
    expect(await drainChannel(deps(slack, { backlog }), CHANNEL, notStopping)).toBe(3);
    const posts = slack.made("postMessage");
    expect(posts[0]?.metadata).toMatchObject({ event_type: BACKLOG_EVENT_TYPE });
    expect(posts.slice(1).map((m) => m.text)).toEqual(actions.slice(0, 2).map((a) => `card ${a.card_key}`));
    expect(await cardRow(db(), actions[2]!.id)).toMatchObject({ held: true, ts: null });
  });

  it("drops the fetched batch when the guard moves cards, so a card held meanwhile is not posted", async () => {
    // Limit 1; an open card is already out and its action resolves, which frees the one place for `waiting`.
    const resolved = await postedCard(db(), CHANNEL, "1700000000.000300");
    await sql`UPDATE pending_actions SET state = 'resolved' WHERE id = ${resolved.id}`.execute(db());
    await sql`UPDATE slack_cards SET desired_hash = 'resolved-render' WHERE pending_action_id = ${resolved.id}`.execute(
      db(),
    );
    const waiting = await queueCard(db(), CHANNEL);
    let older: string | undefined;
    const slack = fakeSlack({
      // While the resolved card is edited, an action older than `waiting` arrives: it takes the place.
      update: async () => {
        older = (await queueCard(db(), CHANNEL, { opened_at: new Date(Date.now() - 3_600_000) })).id;
        return { ok: true };
      },
    });
    const backlog = createBacklogGuard(db(), 1);
    await drainChannel(deps(slack, { backlog }), CHANNEL, notStopping);
    expect(await cardRow(db(), waiting.id)).toMatchObject({ held: true, ts: null });
    expect(await cardRow(db(), older!)).toMatchObject({ state: "posted" });
    const cardPosts = slack
      .made("postMessage")
      .filter((m) => typeof m.text === "string" && m.text.startsWith("card "));
    expect(cardPosts).toHaveLength(1);
  });

  it("starts nothing once the sender is stopping", async () => {
    await queueCard(db(), CHANNEL);
    const slack = fakeSlack();
    expect(await drainChannel(deps(slack), CHANNEL, () => true)).toBe(0);
    expect(slack.calls).toEqual([]);
  });
});
