import { describe, expect, it } from "vitest";
import { createIntakePressure } from "../../src/app/intake-pressure.js";

/** When the inbox processor yields to the webhook intake (src/app/intake-pressure.ts, issue #14 item 2). */
describe("the intake's pressure", () => {
  it("is pressed while more deliveries are in flight than the intake pool has connections", () => {
    const pool = { waitingCount: 0 };
    const pressure = createIntakePressure(pool, 2);
    expect(pressure.pressed()).toBe(false);
    pressure.enter();
    pressure.enter();
    expect(pressure.pressed()).toBe(false);
    pressure.enter();
    expect(pressure.pressed()).toBe(true);
    pressure.leave();
    expect(pressure.pressed()).toBe(false);
  });

  it("is pressed while a delivery waits for one of the pool's connections, however few are in flight", () => {
    const pool = { waitingCount: 1 };
    const pressure = createIntakePressure(pool, 10);
    expect(pressure.pressed()).toBe(true);
    pool.waitingCount = 0;
    expect(pressure.pressed()).toBe(false);
  });
});
