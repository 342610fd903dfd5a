import { afterAll, beforeAll, describe, it } from "vitest";
import { startStack } from "../support/e2e.js";
import { insertIntentRow } from "../support/pending-rows.js";
import { waitFor } from "../support/wait.js";

type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * Review item 4 end to end: with reconciliation switched off, the running bot still settles a card whose locking
 * process (another pod, its heartbeat long stopped) died mid-submit — on the sweeper's own timer.
 */
describe("intent sweeper on its own timer", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      name: "intent-sweep-own-timer",
      env: { RECONCILE_CRON: "off", INTENT_SWEEP_SECONDS: "1" },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("reopens a card a dead pod left resolving, with no reconcile at all", { timeout: 60_000 }, async () => {
    const db = stack.database.handle.db;
    // The bot's first (start-up) sweep is done once its own heartbeat exists.
    await waitFor(
      async () => {
        const row = await db.selectFrom("worker_heartbeats").select("owner").executeTakeFirst();
        return row ?? undefined;
      },
      { what: "the bot's heartbeat" },
    );
    const row = await insertIntentRow(db, { owner: "peeker-bot-5d8f-gone:1:0a0b0c", heartbeatAge: "1 hour" });
    await waitFor(
      async () => {
        const current = await db
          .selectFrom("pending_actions")
          .select("state")
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow();
        return current.state === "open" ? true : undefined;
      },
      { what: "the card reopened by the bot's sweep timer", timeoutMs: 30_000 },
    );
  });
});
