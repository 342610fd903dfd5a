import { describe, expect, it } from "vitest";
import { type Component, createComponents, together } from "../../src/app/components.js";
import { silentLogger } from "../../src/logger.js";

function recorder() {
  const events: string[] = [];
  const component = (
    name: string,
    options: { failStart?: boolean; failStop?: boolean } = {},
  ): Component<string> => ({
    name,
    async start() {
      if (options.failStart) throw new Error(`${name} cannot start`);
      events.push(`start ${name}`);
      return `${name} value`;
    },
    async stop() {
      events.push(`stop ${name}`);
      if (options.failStop) throw new Error(`${name} cannot stop`);
    },
  });
  return { events, component };
}

describe("components", () => {
  it("start in order, hand back what they produce, and stop in reverse order", async () => {
    const { events, component } = recorder();
    const components = createComponents(silentLogger());
    expect(await components.start(component("database"))).toBe("database value");
    await components.startAll([component("peeker"), component("http")]);
    await components.stop();
    expect(events).toEqual([
      "start database",
      "start peeker",
      "start http",
      "stop http",
      "stop peeker",
      "stop database",
    ]);
  });

  it("stop what already started, in reverse, when a start fails, and rethrow", async () => {
    const { events, component } = recorder();
    const components = createComponents(silentLogger());
    await expect(
      components.startAll([
        component("database"),
        component("peeker"),
        component("http", { failStart: true }),
      ]),
    ).rejects.toThrow("http cannot start");
    expect(events).toEqual(["start database", "start peeker", "stop peeker", "stop database"]);
  });

  it("keep stopping the rest when one stop fails, rethrow its error after, and stop only once", async () => {
    const { events, component } = recorder();
    const components = createComponents(silentLogger());
    await components.startAll([
      component("database"),
      component("peeker", { failStop: true }),
      component("http"),
    ]);
    const first = components.stop();
    const second = components.stop();
    await expect(first).rejects.toThrow("peeker cannot stop");
    await expect(second).rejects.toThrow("peeker cannot stop");
    expect(events.filter((event) => event.startsWith("stop"))).toEqual([
      "stop http",
      "stop peeker",
      "stop database",
    ]);
    await expect(components.start(component("late"))).rejects.toThrow("stopping");
  });

  it("start a group in order and stop its parts together; a failed part stops the parts started before it", async () => {
    const { events, component } = recorder();
    const order: string[] = [];
    let release!: () => void;
    const slow: Component = {
      name: "slow",
      start() {},
      stop: () =>
        new Promise<void>((resolve) => {
          order.push("slow stop began");
          release = resolve;
        }),
    };
    const fast: Component = { name: "fast", start() {}, stop: () => void order.push("fast stopped") };
    const group = together("loops", [slow, fast]);
    await group.start();
    const stopped = group.stop();
    // Both stops began before the slow one ended: they run in parallel, not one after the other.
    expect(order).toEqual(["slow stop began", "fast stopped"]);
    release();
    await stopped;

    await expect(
      together("broken", [component("a"), component("b", { failStart: true })]).start(),
    ).rejects.toThrow("b cannot start");
    expect(events).toEqual(["start a", "stop a"]);
  });
});
