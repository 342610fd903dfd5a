import type { Logger } from "../logger.js";

/**
 * The composition root's life cycle (design §2, style §1): every client, pool, server and loop is a component
 * with `start` and `stop`. They start one after the other, each built from what the earlier ones produced, and
 * stop in the reverse order: the last thing started (taking work in) is the first to stop, the database the last.
 * A start that fails stops what already started, so a half-started process never leaks a pool or a server.
 */

export interface Component<T = void> {
  readonly name: string;
  /** Starts it; resolves to what later components need (a database handle, a bound port), if anything. */
  start(): Promise<T> | T;
  stop(): Promise<void> | void;
}

export interface Components {
  /** Starts one component after those already started; on failure stops them all (reverse) and rethrows. */
  start<T>(component: Component<T>): Promise<T>;
  /** Starts each in order, as `start` does. */
  startAll(components: readonly Component<unknown>[]): Promise<void>;
  /**
   * Stops every started component, last started first. A stop that throws is logged and the rest still stop;
   * the first error is rethrown at the end. Calling it again waits for the same stop.
   */
  stop(): Promise<void>;
}

export function createComponents(logger: Logger): Components {
  const started: Component<unknown>[] = [];
  let stopping: Promise<void> | undefined;

  const stopAll = async () => {
    let firstError: unknown;
    for (const component of started.reverse()) {
      try {
        await component.stop();
      } catch (error) {
        logger.warn({ err: error, component: component.name }, "component did not stop cleanly");
        firstError ??= error;
      }
    }
    started.length = 0;
    if (firstError !== undefined) throw firstError;
  };

  const components: Components = {
    async start<T>(component: Component<T>): Promise<T> {
      if (stopping) throw new Error(`cannot start ${component.name}: the components are stopping`);
      let value: T;
      try {
        value = await component.start();
      } catch (error) {
        logger.error({ err: error, component: component.name }, "start-up failed; stopping what started");
        await components.stop().catch(() => {});
        throw error;
      }
      started.push(component);
      return value;
    },
    async startAll(list) {
      for (const component of list) await components.start(component);
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
  };
  return components;
}

/**
 * Several components that start in the given order and stop together (their stops run in parallel), for
 * loops and waits that are independent of each other: stopping them one by one would only add up their waits.
 */
export function together(name: string, parts: readonly Component<unknown>[]): Component {
  return {
    name,
    async start() {
      const running: Component<unknown>[] = [];
      try {
        for (const part of parts) {
          await part.start();
          running.push(part);
        }
      } catch (error) {
        await Promise.allSettled(running.map(async (part) => part.stop()));
        throw error;
      }
    },
    async stop() {
      const results = await Promise.allSettled(parts.map(async (part) => part.stop()));
      const failed = results.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    },
  };
}
