import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { type PacingOptions, takeChannel } from "../../../src/bot/sender/channel-lease.js";
import { waitFor } from "../../support/wait.js";
import { cardRow, queueCard, useOutboxDatabase } from "./sender-fixtures.js";

/**
 * The channel's lease and pacing (src/bot/sender/channel-lease.ts) on a real database: one worker at a time, a
 * Retry-After waited out for this channel (or the lease given back when it is long), and a sent card marked in
 * the pacing statement even when the lease was lost meanwhile.
 */
describe("a channel's sender lease and pacing", () => {
  const db = useOutboxDatabase();
  const CHANNEL = "C0LEASE001";
  const pacing = (workerId: string): PacingOptions => ({
    workerId,
    leaseSeconds: 30,
    paceMs: 1000,
    pacedForMs: 60_000,
  });

  it("gives the channel to one worker at a time, and to the next once released", async () => {
    const first = await takeChannel(db(), CHANNEL, pacing("worker-a"));
    expect(first).toBeDefined();
    expect(await takeChannel(db(), CHANNEL, pacing("worker-b"))).toBeUndefined();
    await first?.release();
    expect(await takeChannel(db(), CHANNEL, pacing("worker-b"))).toBeDefined();
  });

  it("is ready at once when nothing was rate limited", async () => {
    const turn = await takeChannel(db(), CHANNEL, pacing("worker-a"));
    expect(await turn?.afterSend({ kind: "ok" })).toBe(true);
    const started = performance.now();
    expect(await turn?.ready()).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("waits out a short Retry-After for this channel, and gives the lease back on a long one", async () => {
    const turn = await takeChannel(db(), CHANNEL, pacing("worker-a"));
    expect(await turn?.afterSend({ kind: "rate_limited", retryAfterMs: 400 })).toBe(true);
    const started = performance.now();
    expect(await turn?.ready()).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);

    expect(await turn?.afterSend({ kind: "rate_limited", retryAfterMs: 10_000 })).toBe(true);
    expect(await turn?.ready()).toBe(false);
    const channel = await db()
      .selectFrom("slack_channels")
      .select(sql<boolean>`paced_until > now() + interval '60 seconds'`.as("paced"))
      .where("channel", "=", CHANNEL)
      .executeTakeFirstOrThrow();
    expect(channel.paced).toBe(true);
  });

  it("marks the card sent in the pacing statement, and answers false when the lease was lost", async () => {
    const card = await queueCard(db(), CHANNEL);
    const turn = await takeChannel(db(), CHANNEL, pacing("worker-a"));
    await sql`UPDATE slack_channels SET locked_by = 'worker-b' WHERE channel = ${CHANNEL}`.execute(db());
    const kept = await turn?.afterSend({
      kind: "ok",
      sent: { kind: "card", id: card.id, ts: "1700000000.000100", hash: "h-posted" },
    });
    expect(kept).toBe(false);
    expect(await cardRow(db(), card.id)).toMatchObject({
      ts: "1700000000.000100",
      posted_hash: "h-posted",
      state: "posted",
    });
  });

  it("renews the lease while it sends nothing, and stops once another worker has it", async () => {
    const turn = await takeChannel(db(), CHANNEL, { ...pacing("worker-a"), leaseSeconds: 0.3 });
    const lockedUntil = async () =>
      (
        await db()
          .selectFrom("slack_channels")
          .select("locked_until")
          .where("channel", "=", CHANNEL)
          .executeTakeFirstOrThrow()
      ).locked_until?.getTime() ?? 0;
    const taken = await lockedUntil();
    // Asked again and again, the turn stays ready and renews the lease once a third of it has passed.
    let ready = true;
    await waitFor(
      async () => {
        ready = ready && Boolean(await turn?.ready());
        return !ready || (await lockedUntil()) > taken;
      },
      { what: "the lease renewed" },
    );
    expect(ready).toBe(true);
    await sql`UPDATE slack_channels SET locked_by = 'worker-b', locked_until = now() + interval '1 minute'
               WHERE channel = ${CHANNEL}`.execute(db());
    // Its next renewal finds the lease taken, and the turn stops.
    await waitFor(async () => (await turn?.ready()) === false, { what: "the turn to stop" });
  });
});
