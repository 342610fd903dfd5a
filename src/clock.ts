/**
 * Time is injected everywhere in the domain so tests can pin it. Only the entry point (src/main.ts) reads the system clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Durations in milliseconds, so options read as `5 * MINUTE`. */
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Randomness is injected too (jitter), so retries are testable. Returns a float in [0, 1). */
export type Random = () => number;
