import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { digestRequestsInOneSlot, digests } from "../support/visibility.js";

/** One digest per slot whatever the replica count, for cron slots and for manual runs. */
describe("digest across two replicas", () => {
  let stack: Stack;
  beforeAll(async () => {
    // A digest every 2 seconds on both bots, so several slots pass within the test.
    stack = await startStack({ name: "digest-replicas", env: { DIGEST_CRON: "*/2 * * * * *" } });
    await stack.startBot({}, "digest-replicas-2");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("posts one digest per cron slot, and one for a manual digest asked on both in the same minute", {
    timeout: 180_000,
  }, async () => {
    // Both manual requests in one manual slot (the UTC minute), asked again if they straddled a boundary.
    const { answers, slot: manualSlot } = await digestRequestsInOneSlot(
      stack,
      stack.bots.map((bot) => bot.url),
    );
    const texts = answers.map((r) => r.ack.text).sort();
    expect(texts[0]).toMatch(/^A digest was already posted in <#C0SUPPORT01> this minute\.$/);
    expect(texts[1]).toMatch(/^Digest posted in <#C0SUPPORT01>/);

    // Several cron slots finished (no run in flight) and both replicas lost a claim at least twice in all.
    const db = stack.database.handle.db;
    const scrape = () => Promise.all(stack.bots.map(async (b) => (await fetch(`${b.url}/metrics`)).text()));
    const count = (m: string, outcome: string) =>
      Number(new RegExp(`^peeker_digests_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(m)?.[1] ?? 0);
    const scheduledRuns = () =>
      db
        .selectFrom("runs")
        .select(["slot", "outcome"])
        .where("job", "=", "digest")
        .where("slot", "not like", "manual:%")
        .execute();
    const metrics = await waitFor(
      async () => {
        const runs = await scheduledRuns();
        const scraped = await scrape();
        const skipped = scraped.reduce((sum, m) => sum + count(m, "skipped"), 0);
        return runs.filter((r) => r.outcome === "succeeded").length >= 3 && skipped >= 2 && scraped;
      },
      { timeoutMs: 30_000, what: "3 finished cron slots and 2 claims lost to the other replica" },
    );
    // Stop both replicas (a graceful stop finishes the slot in flight and drains the outbox): no digest can be
    // posted after this point, so a duplicate cannot arrive after the assertions.
    for (const bot of stack.bots) bot.kill("SIGTERM");
    for (const bot of stack.bots) expect(await bot.waitExit(30_000)).toBe(0);
    const posted = digests(stack.slack).map((m) => String(m.metadata?.event_payload.slot));
    const manual = posted.filter((slot) => slot.startsWith("manual:"));
    const scheduled = posted.filter((slot) => !slot.startsWith("manual:"));
    expect(manual).toEqual([manualSlot]);
    expect(scheduled.length).toBeGreaterThanOrEqual(3);
    expect(new Set(scheduled).size).toBe(scheduled.length);
    // Every slot either replica claimed was posted once, by the replica that claimed it.
    const runs = await stack.database.handle.db
      .selectFrom("runs")
      .select(["slot", "runner", "outcome"])
      .where("job", "=", "digest")
      .execute();
    const finished = runs.filter((r) => r.outcome === "succeeded").map((r) => r.slot);
    for (const slot of scheduled) expect(finished).toContain(slot);
    for (const bot of stack.bots) expect(bot.output()).not.toMatch(/"msg":"scheduled job failed"/);
    // Both replicas tried slots, and some claims were lost to the other one: the guard was exercised.
    for (const m of metrics) expect(count(m, "posted") + count(m, "skipped")).toBeGreaterThan(0);
  });
});
