import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, type Stack, startStack, WEBHOOK_SECRET, waitFor } from "../support/e2e.js";
import { reconcileRuns, seedOpenOrders, waitForFinishedRun } from "../support/reconcile.js";
import { FORM_CONTENT_TYPE, postToBot, slashCommandBody } from "../support/slack-signing.js";
import { inOneManualSlot } from "../support/wait.js";
import { buildEvent, WebhookSender } from "../support/webhook-sender.js";

/**
 * Schedules across replicas (design §3 "Cron slots", §6): two bot processes on one database, each with a
 * reconcile cron every 2 s, while actions keep appearing (half of them also reported by webhook, to either
 * replica). Each slot runs once across both, and no action gets a second card. A manual reconcile asked of both
 * in the same minute runs once. The test is paced by finished slots (runs rows), never by the wall clock.
 */
const ROUNDS = 8;

describe("reconcile schedules across replicas", () => {
  let stack: Stack;
  const db = () => stack.database.handle.db;

  beforeAll(async () => {
    stack = await startStack({ name: "reconcile-replicas", env: { RECONCILE_CRON: "*/2 * * * * *" } });
    await stack.startBot({}, "reconcile-replicas-b");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("runs each 2-second slot once across two replicas for 8 slots, with no duplicate card", async () => {
    const senders = stack.bots.map(
      (bot) => new WebhookSender({ url: `${bot.url}/peeker/webhooks`, secrets: [WEBHOOK_SECRET] }),
    );
    const started = Date.now();
    const keys: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const [key] = seedOpenOrders(stack.sim, 1, `replica-${i}`);
      if (!key) throw new Error("nothing seeded");
      keys.push(key);
      if (i % 2 === 0) {
        const id = key.split(":")[1];
        await senders[(i / 2) % 2]?.send(
          buildEvent({ type: "order.action_required", data: { id, status: "action_required" } }),
        );
      }
      // The next round starts once a slot that began after this seed finished (it saw the new action).
      await waitForFinishedRun(db(), Date.now(), { what: `a reconcile slot after round ${i}` });
    }
    const ended = Date.now();

    const cardsOf = (key: string) =>
      stack.slack.channelMessages(CHANNEL).filter((m) => m.metadata?.event_payload.card_key === key);
    await waitFor(() => keys.every((key) => cardsOf(key).length > 0), {
      what: "every card",
      timeoutMs: 15_000,
    });
    // Every action has its card; stop both replicas (graceful: the slot in flight finishes): no card, and so no
    // duplicate, can come after this point.
    for (const bot of stack.bots) bot.kill("SIGTERM");
    for (const bot of stack.bots) expect(await bot.waitExit(30_000)).toBe(0);
    for (const key of keys) expect(cardsOf(key)).toHaveLength(1);
    const rows = await db().selectFrom("pending_actions").select("card_key").execute();
    expect(rows).toHaveLength(keys.length);

    // Each slot of the window ran once, somewhere; both replicas reached every slot they did not run.
    const runs = (await reconcileRuns(db())).filter(
      (r) => !r.slot.startsWith("manual:") && Date.parse(r.slot) >= started && Date.parse(r.slot) <= ended,
    );
    expect(runs.length).toBeGreaterThanOrEqual(ROUNDS);
    expect(runs.every((r) => r.outcome === "succeeded")).toBe(true);
    const finished = stack.bots.flatMap((bot) => logLines(bot.output(), "reconcile finished"));
    const taken = stack.bots.flatMap((bot) => logLines(bot.output(), "reconcile slot already run"));
    for (const run of runs) {
      // Run by exactly one replica; the other (unless still busy with the previous slot) found it taken.
      expect(finished.filter((line) => line.slot === run.slot)).toHaveLength(1);
      expect(taken.filter((line) => line.slot === run.slot).length).toBeLessThanOrEqual(1);
    }
    expect(taken.filter((line) => runs.some((r) => r.slot === line.slot)).length).toBeGreaterThanOrEqual(
      runs.length - 2,
    );
  }, 120_000);

  it("runs a manual reconcile asked of both replicas in the same minute once", async () => {
    // Two fresh replicas (the first test stopped its pair), without the cron: only the manual runs count.
    const replicas = [
      await stack.startBot({ RECONCILE_CRON: "off" }, "reconcile-replicas-c"),
      await stack.startBot({ RECONCILE_CRON: "off" }, "reconcile-replicas-d"),
    ];
    const secret = stack.env.SLACK_SIGNING_SECRET ?? "";
    let attempt = 0;
    const ask = () =>
      Promise.all(
        replicas.map(async (bot, i) => {
          const hook = `manual-${attempt}-${i}`;
          const response = await postToBot(
            `${bot.url}/slack/events`,
            slashCommandBody({ text: "reconcile", response_url: stack.slack.responseUrl(hook) }).body,
            FORM_CONTENT_TYPE,
            secret,
          );
          expect(response.status).toBe(200);
          const inline = (response.json as { text?: string } | undefined)?.text ?? "";
          if (!inline.startsWith("Working on it")) return inline;
          const posted = await waitFor(() => stack.slack.hookPosts(hook)[0], { what: "the late answer" });
          return String((posted.body as { text?: string }).text);
        }),
      ).finally(() => attempt++);
    // Both requests in one manual slot (the UTC minute), asked again if they straddled a minute boundary.
    const { answers, slot } = await inOneManualSlot(db(), "reconcile", ask);
    expect(answers.filter((a) => a.startsWith("Reconcile done"))).toHaveLength(1);
    expect(answers.filter((a) => a.startsWith("A reconcile already ran this minute"))).toHaveLength(1);
    const manual = (await reconcileRuns(db())).filter((r) => r.slot === slot);
    expect(manual).toHaveLength(1);
    expect(manual[0]?.outcome).toBe("succeeded");
  }, 180_000);
});

function logLines(output: string, message: string): Array<{ slot?: string }> {
  return output
    .split("\n")
    .filter((line) => line.includes(`"msg":"${message}`))
    .map((line) => JSON.parse(line) as { slot?: string });
}
