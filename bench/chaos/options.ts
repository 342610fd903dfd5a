/** `npm run bench:chaos` settings, all from the environment (documented in bench/README.md). */
export interface ChaosOptions {
  seed: number;
  /** Length of the fault phase, seconds. */
  seconds: number;
  /** Reconcile interval, seconds (RECONCILE_CRON with a seconds field). */
  reconcileSeconds: number;
  /** Pending actions seeded per reason (four reasons). */
  perReason: number;
  /** Dropped/duplicated/reordered webhooks, silent Peeker changes, Peeker and Slack 429/5xx bursts. */
  faults: boolean;
  /** SIGKILLs of one bot at random moments, and during flows. */
  kills: boolean;
  /** Operators pressing the resolution buttons. */
  clicks: boolean;
  /** Peeker changing things by itself: actions resolved (with a webhook; silently too with faults on), new ones. */
  churn: boolean;
  /**
   * Extra seconds after the two reconcile intervals for the Slack outbox to drain; at least what was still to send
   * at the verdict at one message a second, plus 30 s, and the run stops early when the outbox stalls for 30 s.
   */
  slackGraceSeconds: number;
  /** The simulator's per-key limit per minute (Peeker's is 600). */
  peekerLimit: number;
  /** An admin URL of a PostgreSQL server to use instead of an embedded one (a scratch database is made). */
  databaseUrl: string | undefined;
}

function number(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "on", "true", "yes"].includes(raw)) return true;
  if (["0", "off", "false", "no"].includes(raw)) return false;
  throw new Error(`${name} must be on or off, got "${raw}"`);
}

export function readOptions(): ChaosOptions {
  const reconcileSeconds = number("BENCH_RECONCILE_SECONDS", 20, 5);
  if (60 % reconcileSeconds !== 0)
    throw new Error("BENCH_RECONCILE_SECONDS must divide 60 (a cron seconds step)");
  return {
    seed: Math.floor(number("BENCH_SEED", 1, 0)),
    seconds: number("BENCH_SECONDS", 60, 5),
    reconcileSeconds,
    perReason: Math.floor(number("BENCH_ACTIONS_PER_REASON", 60, 1)),
    faults: flag("BENCH_FAULTS", true),
    kills: flag("BENCH_KILLS", true),
    clicks: flag("BENCH_CLICKS", true),
    churn: flag("BENCH_CHURN", true),
    slackGraceSeconds: number("BENCH_SLACK_GRACE_SECONDS", 60, 0),
    peekerLimit: Math.floor(number("BENCH_PEEKER_LIMIT", 600, 1)),
    databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
  };
}
