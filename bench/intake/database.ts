import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { admin } from "../lib/bench-database.js";

/** What the intake bench asks PostgreSQL directly: pgbench, inbox depth, the stored-or-not check. */

/** pgbench running the intake's own INSERT (prepared) at `clients` connections; answers tps. */
export function pgbench(env: Record<string, string>, clients: number, seconds: number): number {
  const script = path.join(tmpdir(), `peeker-intake-${process.pid}.sql`);
  const payload = JSON.stringify({
    id: "evt",
    type: "bench.delivery",
    data: { id: "bench_1", status: "ok" },
  });
  writeFileSync(
    script,
    `INSERT INTO webhook_events (event_id, type, peeker_timestamp, payload)
     VALUES ('pgb_' || md5(random()::text || clock_timestamp()::text), 'bench.delivery', to_timestamp(1795000000), '${payload}'::jsonb)
     ON CONFLICT (event_id) DO NOTHING;\n`,
  );
  const result = spawnSync(
    "pgbench",
    ["-n", "-M", "prepared", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script],
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  const match = /tps = ([\d.]+)/.exec(result.stdout ?? "");
  if (!match) throw new Error(`pgbench failed: ${result.stderr || result.stdout}`);
  return Number(match[1]);
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
