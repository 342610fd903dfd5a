import type { DatabaseHandle } from "../db/pool.js";

/**
 * Whether the webhook intake is pressed now, for the inbox processor's yield (src/jobs/inbox-processor.ts
 * `yieldToIntake`, issue #14 item 2). Pressed: a delivery waits for one of the intake pool's connections, or more
 * deliveries are being verified and stored (counted from a whole body on) than that pool has connections. The second
 * covers a flood on 2 cores, where the deliveries queue for the CPU before they ever wait for a connection (measured
 * in bench:intake: the pool's waiting count alone let a processor flat out take half of what the intake accepted).
 */
export interface IntakePressure {
  /** A delivery's whole body was read (the webhook route, src/bot/routes/peeker-webhooks.ts). */
  enter(): void;
  /** …and its answer is known, whatever it is. */
  leave(): void;
  pressed(): boolean;
}

export function createIntakePressure(
  pool: Pick<DatabaseHandle["pool"], "waitingCount">,
  poolMax: number,
  gauge?: { inc(): void; dec(): void },
): IntakePressure {
  let inFlight = 0;
  return {
    enter: () => {
      inFlight++;
      gauge?.inc();
    },
    leave: () => {
      inFlight--;
      gauge?.dec();
    },
    pressed: () => pool.waitingCount > 0 || inFlight > poolMax,
  };
}
