import { describe, expect, it } from "vitest";
import { createDrain } from "../../src/bot/drain.js";

/** The graceful drain's bookkeeping (src/bot/drain.ts): work in flight is waited for, up to a deadline. */
describe("graceful drain", () => {
  it("waits for the work in flight and answers 0 once it settled", async () => {
    const drain = createDrain();
    let finish: () => void = () => {};
    void drain.track(new Promise<void>((resolve) => (finish = resolve)));
    let answered = false;
    const settled = drain.settled(5000).finally(() => (answered = true));
    // A full turn of the event loop: the drain is still waiting, because the work has not settled.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    finish();
    expect(await settled).toBe(0);
  });

  it("stops waiting at the deadline and answers how much is still running", async () => {
    const drain = createDrain();
    void drain.track(new Promise(() => {}));
    void drain.track(Promise.reject(new Error("handled by its caller")).catch(() => {}));
    const started = performance.now();
    expect(await drain.settled(100)).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});
