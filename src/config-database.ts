import type { EnvReader } from "./config-env.js";

export interface DatabaseSettings {
  /**
   * Unset = embedded PostgreSQL under `dataDir/postgres` (DATABASE_URL unset, or `embedded` to choose it where
   * NODE_ENV=production would otherwise refuse it).
   */
  readonly databaseUrl: string | undefined;
  readonly database: {
    /** Connections of the main pool (DATABASE_POOL_MAX, default 10). */
    readonly poolMax: number;
    /** Connections of the webhook intake's own pool (DATABASE_INTAKE_POOL_MAX, default 10). */
    readonly intakePoolMax: number;
    /** Server-side statement timeout, ms (DATABASE_STATEMENT_TIMEOUT_MS, default 5000). */
    readonly statementTimeoutMs: number;
  };
  /** The inbox processor; read with the database because its concurrency is bounded by the pool. */
  readonly inbox: {
    /** Events worked on at once (INBOX_CONCURRENCY, default 4; below DATABASE_POOL_MAX). */
    readonly concurrency: number;
    /** Events claimed per round trip (INBOX_BATCH_SIZE, default 25). */
    readonly batchSize: number;
    /**
     * EVENT_COALESCING (`on` by default, `off`): one re-read answers every waiting event of a resource (issue #14).
     * `off` re-reads Peeker once per event, as before; it exists so `npm run bench:burst` can show the difference.
     */
    readonly coalesce: boolean;
    /**
     * Re-reads the inbox may start at once before they are paced to the Peeker budget's rate
     * (INBOX_REREAD_BURST, default 20; src/jobs/reread-pacing.ts).
     */
    readonly rereadBurst: number;
  };
}

export function parseDatabase(env: EnvReader): DatabaseSettings {
  const databaseUrl = databaseUrlOf(
    env.read("DATABASE_URL"),
    env.read("NODE_ENV") === "production",
    env.problems,
  );
  const database = {
    poolMax: env.integer("DATABASE_POOL_MAX", 10, 2, 1000),
    intakePoolMax: env.integer("DATABASE_INTAKE_POOL_MAX", 10, 1, 1000),
    statementTimeoutMs: env.integer("DATABASE_STATEMENT_TIMEOUT_MS", 5000, 100, 600_000),
  };
  const inbox = {
    concurrency: env.integer("INBOX_CONCURRENCY", 4, 1, 256),
    batchSize: env.integer("INBOX_BATCH_SIZE", 25, 1, 1000),
    coalesce: env.onOff("EVENT_COALESCING", true),
    rereadBurst: env.integer("INBOX_REREAD_BURST", 20, 1, 10_000),
  };
  if (inbox.concurrency >= database.poolMax) {
    // Each event in flight holds a connection at times; the pool must keep some for cards, commands and cron.
    env.problems.push(
      `INBOX_CONCURRENCY (${inbox.concurrency}) must be below DATABASE_POOL_MAX (${database.poolMax}); raise the pool or lower the concurrency.`,
    );
  }
  return { databaseUrl, database, inbox };
}

/**
 * No silent data loss: the embedded database lives in DATA_DIR, which a container loses on every redeploy, so
 * under NODE_ENV=production it is used only when asked for by name (`DATABASE_URL=embedded`).
 */
function databaseUrlOf(raw: string | undefined, production: boolean, problems: string[]): string | undefined {
  if (raw?.toLowerCase() === "embedded") return undefined;
  if (raw === undefined) {
    if (production) {
      problems.push(
        "DATABASE_URL is required when NODE_ENV=production: without it the bot would keep its data in an embedded database under DATA_DIR, which a redeployed container loses. Set DATABASE_URL=postgres://user:password@host:5432/db, or DATABASE_URL=embedded to keep the embedded database on purpose (DATA_DIR on a persistent volume).",
      );
    }
    return undefined;
  }
  if (!/^postgres(ql)?:\/\/.+/.test(raw)) {
    problems.push(
      "DATABASE_URL is malformed: expected a URL such as postgres://user:password@host:5432/db, `embedded`, or leave it unset for the embedded database.",
    );
  }
  return raw;
}
