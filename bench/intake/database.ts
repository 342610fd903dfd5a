import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { auditValues } from "../../src/db/audit-log.repository.js";
import { INSERT_SETTLED } from "../../src/db/inbox-intake.repository.js";
import { eventFromObject } from "../../src/peeker/webhooks.js";
import { inboxRowOf } from "../../src/pending/intake.js";
import { admin } from "../lib/bench-database.js";
import { noOpDeliveries } from "./deliveries.js";

/** What the intake bench asks PostgreSQL directly: pgbench, inbox depth, the stored-or-not check. */

/**
 * pgbench running the intake's own statement for the bench's no-op delivery (prepared), at `clients` connections;
 * answers tps. The statement and its values are the bot's own (src/pending/intake.ts `inboxRowOf`, src/db
 * `insertWebhookEvent`); only the event id is drawn in SQL, so each transaction stores a new row.
 */
export function pgbench(env: Record<string, string>, clients: number, seconds: number): number {
  const script = path.join(tmpdir(), `peeker-intake-${process.pid}.sql`);
  const statement = intakeStatementForPgbench();
  writeFileSync(script, `${statement.sql};\n`);
  const result = spawnSync(
    "pgbench",
    [
      "-n",
      ...["-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script],
      ...statement.variables.flatMap((v) => ["-D", v]),
    ],
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  const match = /tps = ([\d.]+)/.exec(result.stdout ?? "");
  if (!match) throw new Error(`pgbench failed: ${result.stderr || result.stdout}`);
  return Number(match[1]);
}

/**
 * The statement with its values written in, the event id drawn in SQL, and no colon in the script but the one of
 * `:body`: pgbench reads `:name` as a variable even inside a quoted string, so the body (its timestamp has colons)
 * is passed with `-D body=…` and the resource key's colon is `chr(58)`.
 */
function intakeStatementForPgbench(): { sql: string; variables: string[] } {
  const body = JSON.parse(noOpDeliveries(1)[0]!.body) as Record<string, unknown>;
  const rawBody = JSON.stringify(body);
  const row = inboxRowOf(eventFromObject(body), { eventId: "pgb", timestamp: 1795000000, rawBody });
  if (!row.settled) throw new Error("the no-op delivery is expected to be stored settled");
  const literal = (v: string | null) => (v === null ? "NULL" : `'${v.replaceAll("'", "''")}'`);
  const values = [
    "'pgb_' || md5(random()::text || clock_timestamp()::text)",
    literal(row.type),
    String(row.timestamp),
    ":body",
    "'event' || chr(58) || 'pgb_' || md5(random()::text)",
    ...auditValues(row.settled).map(literal),
  ];
  // $11 before $1: each placeholder is replaced whole.
  const sql = values.reduceRight(
    (text, value, i) => text.replaceAll(`$${i + 1}`, () => value),
    INSERT_SETTLED,
  );
  return { sql, variables: [`body=${row.rawBody}`] };
}

/**
 * A sibling database on the same server for the reference intake: its rows must not become work for the bot's
 * processor (which would then be measuring the reference's load on the bot). Same server, same schema (the
 * reference migrates it), same INSERT.
 */
export async function openSiblingDatabase(url: string): Promise<{ url: string; close: () => Promise<void> }> {
  const parsed = new URL(url);
  const name = `${parsed.pathname.slice(1)}_ref`;
  await admin(url, `CREATE DATABASE ${name}`);
  const sibling = new URL(url);
  sibling.pathname = `/${name}`;
  return {
    url: sibling.toString(),
    close: () => admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Unprocessed inbox rows, in all or only of the given types. */
export async function inboxDepth(client: pg.Client, types?: string[]): Promise<number> {
  const result = await client.query(
    `SELECT count(*)::int AS n FROM webhook_events
      WHERE processed_at IS NULL AND failed_at IS NULL AND ($1::text[] IS NULL OR type = ANY($1))`,
    [types ?? null],
  );
  return result.rows[0].n as number;
}

/** Waits until every stored event is processed; returns how fast the backlog went. */
export async function waitForDrain(
  url: string,
  timeoutMs: number,
): Promise<{ backlog: number; seconds: number; perSecond: number }> {
  return withClient(url, async (client) => {
    const backlog = await inboxDepth(client);
    const started = Date.now();
    while ((await inboxDepth(client)) > 0 && Date.now() - started < timeoutMs)
      await new Promise((r) => setTimeout(r, 500));
    const seconds = (Date.now() - started) / 1000;
    return { backlog, seconds, perSecond: seconds > 0 ? backlog / seconds : backlog };
  });
}

export async function countMissing(url: string, ids: string[]): Promise<number> {
  return withClient(url, async (client) => {
    let found = 0;
    for (let i = 0; i < ids.length; i += 5000) {
      const result = await client.query(
        "SELECT count(*)::int AS n FROM webhook_events WHERE event_id = ANY($1)",
        [ids.slice(i, i + 5000)],
      );
      found += result.rows[0].n as number;
    }
    return ids.length - found;
  });
}
