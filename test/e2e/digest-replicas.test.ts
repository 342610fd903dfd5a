import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/e2e.js";
import { digests, slash } from "../support/visibility.js";

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
    timeout: 60_000,
  }, async () => {
    // Both manual requests must fall in one UTC minute (the manual slot).
    if (new Date().getUTCSeconds() >= 50) await new Promise((r) => setTimeout(r, 11_000));
    const [a, b] = stack.bots;
    const answers = await Promise.all([
      slash(stack, "digest", { botUrl: a!.url }),
      slash(stack, "digest", { botUrl: b!.url }),
    ]);
    const texts = answers.map((r) => r.ack.text).sort();
    expect(texts[0]).toMatch(/^A digest was already posted in <#C0SUPPORT01> this minute\.$/);
    expect(texts[1]).toMatch(/^Digest posted in <#C0SUPPORT01>/);

    await new Promise((r) => setTimeout(r, 9000));
    const posted = digests(stack.slack).map((m) => String(m.metadata?.event_payload.slot));
    const manual = posted.filter((slot) => slot.startsWith("manual:"));
    const scheduled = posted.filter((slot) => !slot.startsWith("manual:"));
    expect(manual).toHaveLength(1);
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
    const metrics = await Promise.all(stack.bots.map(async (b) => (await fetch(`${b.url}/metrics`)).text()));
    const count = (m: string, outcome: string) =>
      Number(new RegExp(`^peeker_digests_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(m)?.[1] ?? 0);
    for (const m of metrics) expect(count(m, "posted") + count(m, "skipped")).toBeGreaterThan(0);
    expect(metrics.reduce((sum, m) => sum + count(m, "skipped"), 0)).toBeGreaterThanOrEqual(2);
  });
});
