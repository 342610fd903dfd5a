import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Logger } from "../logger.js";
import type { Database } from "./schema.js";

// bigint (int8) ids come back as strings: exact, and safe to put in a Slack button value.
// timestamptz stays a Date (pg default).

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface PoolOptions {
  /** Most connections this process opens (default 10). Several replicas share one server: keep it modest. */
  max?: number;
  /** Give up on getting a connection after this long (default 2 s), so a webhook can answer 503 in time. */
  connectionTimeoutMs?: number;
  /** Server-side statement timeout (default 5 s). */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export function openDatabase(url: string, logger: Logger, options: PoolOptions = {}): DatabaseHandle {
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // pg waits forever by default; a blackholed server must turn into a quick error, never a hung request.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // Client-side bound too, for a half-open connection where the server never answers.
    query_timeout: statementTimeoutMs + 1000,
    application_name: options.applicationName ?? "peeker-bot",
    keepAlive: true,
  });
  // Without this handler an idle client's "Connection terminated unexpectedly" crashes the process (measured,
  // reliability-notes §5.1). The pool drops the broken client and the next query reconnects.
  const onLost = (error: Error) => {
    logger.warn({ err: error }, "database connection lost; it will be reopened on next use");
  };
  pool.on("error", onLost);
  // The pool only listens while a client is idle. A client checked out between queries (a transaction waiting on
  // a Peeker call) emits the error on itself, and with no listener that crashes the process.
  pool.on("connect", (client) => client.on("error", onLost));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/** The database URL printed in logs, with any password replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable database URL)";
  }
}
