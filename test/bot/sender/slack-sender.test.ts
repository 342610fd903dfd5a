import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createSlackSender } from "../../../src/bot/slack-sender.js";
import { silentLogger } from "../../../src/logger.js";
import { createMetrics } from "../../../src/metrics.js";
import { cardRow, fakeSlack, queueCard, useOutboxDatabase } from "./sender-fixtures.js";

/**
 * The Slack sender as main.ts builds it (src/bot/slack-sender.ts): one tick drains every channel with due work,
 * looks at channels whose only cards are held from the first tick on, then runs the other outboxes; a stopped
 * sender runs them no more.
 */
describe("the Slack sender's tick", () => {
  const db = useOutboxDatabase();
  const build = (extraTick: (stopping: () => boolean) => Promise<boolean>) => {
    const slack = fakeSlack();
    const sender = createSlackSender({
      db: db(),
      slack,
      workerId: "worker-a",
      logger: silentLogger(),
      metrics: createMetrics(),
      backlogLimit: 5,
      extraTick,
    });
    return { slack, sender };
  };

  it("drains every channel with work, releases held cards on the first tick, and runs the other outboxes", async () => {
    const first = await queueCard(db(), "C0TICK0001");
    const second = await queueCard(db(), "C0TICK0002");
    // Held while the limit was lower: no card is due in this channel, only its backlog needs a look.
    const held = await queueCard(db(), "C0TICK0003");
    await sql`UPDATE slack_cards SET held = true WHERE pending_action_id = ${held.id}`.execute(db());
    let extraRuns = 0;
    const { slack, sender } = build(async () => {
      extraRuns++;
      return false;
    });
    expect(await sender.tick()).toBe(true);
    for (const action of [first, second, held])
      expect(await cardRow(db(), action.id)).toMatchObject({ state: "posted", held: false });
    expect(slack.made("postMessage")).toHaveLength(3);
    expect(extraRuns).toBe(1);
    expect(await sender.tick()).toBe(false);
  });

  it("answers true when only the other outboxes sent something, and runs them no more once stopped", async () => {
    let extraRuns = 0;
    const { sender } = build(async () => {
      extraRuns++;
      return true;
    });
    expect(await sender.tick()).toBe(true);
    sender.stop();
    expect(await sender.tick()).toBe(false);
    expect(extraRuns).toBe(1);
  });
});
