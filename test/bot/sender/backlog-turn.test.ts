import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createBacklogGuard } from "../../../src/bot/sender/backlog-guard.js";
import { startBacklogTurn } from "../../../src/bot/sender/backlog-turn.js";
import { nextOutboxItems } from "../../../src/db/slack-outbox.repository.js";
import { cardRow, postedCard, queueCard, useOutboxDatabase } from "./sender-fixtures.js";

/**
 * The backlog guard's bookkeeping for one lease (src/bot/sender/backlog-turn.ts) on a real database: the room is
 * counted at the lease's start, spent by first posts only, counted again when it runs out, and a card queued
 * after that count while the channel is full is held.
 */
describe("the backlog turn", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0BACKLOG1";

  const due = async () => {
    const items = await nextOutboxItems(db(), CHANNEL, 10);
    return items.at(-1)!;
  };

  it("counts the room once per lease, spends it on first posts, and counts again when it runs out", async () => {
    const turn = startBacklogTurn(createBacklogGuard(db(), 2), CHANNEL);
    await queueCard(db(), CHANNEL);
    expect(await turn.rebalanceIfDue()).toBe(true);
    expect(await turn.rebalanceIfDue()).toBe(false);
    const first = await due();
    expect(await turn.admit(first)).toBe("send");
    turn.itemSent(first);
    await queueCard(db(), CHANNEL);
    expect(await turn.admit(await due())).toBe("send");
    turn.itemSent(await due());
    // Both places spent, and the count is older than the last send: count again before anything else goes out.
    await queueCard(db(), CHANNEL);
    expect(await turn.admit(await due())).toBe("rebalance");
    expect(await turn.rebalanceIfDue()).toBe(true);
  });

  it("holds a card queued after the count while the channel is full, and makes the summary due", async () => {
    const guard = createBacklogGuard(db(), 1);
    const turn = startBacklogTurn(guard, CHANNEL);
    await postedCard(db(), CHANNEL, "1700000000.000110");
    await turn.rebalanceIfDue();
    expect(await turn.dueSummary()).toBeUndefined();
    const late = await queueCard(db(), CHANNEL);
    expect(await turn.admit(await due())).toBe("held");
    expect(await cardRow(db(), late.id)).toMatchObject({ held: true });
    expect(await turn.dueSummary()).toMatchObject({ ts: null });
  });

  it("lets edits through without spending room, and counts again after one (a resolution frees a place)", async () => {
    const turn = startBacklogTurn(createBacklogGuard(db(), 1), CHANNEL);
    const posted = await postedCard(db(), CHANNEL, "1700000000.000111");
    await turn.rebalanceIfDue();
    await sql`UPDATE slack_cards SET desired_hash = 'changed' WHERE pending_action_id = ${posted.id}`.execute(
      db(),
    );
    const edit = await due();
    expect(await turn.admit(edit)).toBe("send");
    turn.itemSent(edit);
    expect(await turn.rebalanceIfDue()).toBe(true);
  });

  it("sends everything and has no summary without a guard", async () => {
    const turn = startBacklogTurn(undefined, CHANNEL);
    await queueCard(db(), CHANNEL);
    expect(await turn.rebalanceIfDue()).toBe(false);
    expect(await turn.dueSummary()).toBeUndefined();
    expect(await turn.admit(await due())).toBe("send");
  });
});
