import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peekerTruth } from "../../bench/chaos/measure.js";
import { createPrng } from "../../bench/chaos/prng.js";
import { createForwarder } from "../../bench/chaos/webhooks.js";
import { createWorld, REASONS } from "../../bench/chaos/world.js";
import { type PeekerSim, startPeekerSim } from "../support/peeker-sim/server.js";

/**
 * The chaos bench's yardstick (bench/chaos): Peeker's truth must list exactly the card keys of what the
 * simulator holds open, one per action of every reason, and forget an action the moment Peeker resolves it —
 * otherwise the bench would blame the bot for its own miscount. Also: its choices replay from the seed.
 */
describe("bench:chaos truth and seed", () => {
  let sim: PeekerSim;
  beforeAll(async () => {
    sim = await startPeekerSim();
  });
  afterAll(async () => {
    await sim.close();
  });

  it("lists one card key per seeded action, in the bot's key format, and drops resolved ones", () => {
    // No bot here: the forwarder has no target and its retries are stopped at the end.
    const forwarder = createForwarder({ secret: "whsec_t", targets: () => [], prng: createPrng(1) });
    sim.control.onEvent = (event) => forwarder.onEvent(event);
    const world = createWorld(sim, forwarder, createPrng(1), "t");
    const parked = world.seed(5);
    forwarder.stop();

    const truth = peekerTruth(sim);
    expect(parked).toHaveLength(5 * REASONS.length);
    expect(truth.size).toBe(5 * REASONS.length);
    const prefixes = [...truth.keys()].map((key) => key.split(":")[0]);
    for (const reason of REASONS) expect(prefixes.filter((p) => p === reason)).toHaveLength(5);
    const swapCard = parked.find((p) => p.kind === "swap")!;
    const swap = sim.control.state.swaps.get(swapCard.id)!;
    expect(truth.has(`replace_domain:${swap.domain_id}`)).toBe(true);
    const picture = parked.find((p) => p.reason === "profile_picture_not_accessible")!;
    expect(truth.has(`profile_picture_not_accessible:${picture.id}`)).toBe(true);

    sim.control.resolve("swap", swapCard.id);
    sim.control.resolve("order", picture.id);
    const after = peekerTruth(sim);
    expect(after.size).toBe(5 * REASONS.length - 2);
    expect(after.has(`replace_domain:${swap.domain_id}`)).toBe(false);
    expect(after.has(`profile_picture_not_accessible:${picture.id}`)).toBe(false);
  });

  it("draws the same choices from the same seed, and other ones from another", () => {
    const draw = (seed: number) => Array.from({ length: 8 }, () => createPrng(seed).fork("x").int(0, 1000));
    const a = createPrng(7);
    const b = createPrng(7);
    expect(Array.from({ length: 20 }, () => a.int(0, 1e6))).toEqual(
      Array.from({ length: 20 }, () => b.int(0, 1e6)),
    );
    expect(draw(7)).toEqual(draw(7));
    expect(createPrng(7).next()).not.toBe(createPrng(8).next());
  });
});
