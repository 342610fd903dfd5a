import { readFile } from "node:fs/promises";
import pg from "pg";

/** What a long-running bench reads from the bot while it runs: its RSS, its /metrics, its database. */

/** Resident set size of a process, MB, from /proc/<pid>/status (VmRSS, in kB). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/**
 * One sample of a Prometheus text exposition: `name{labels}` → value (the name alone when it has no labels).
 * Only what a bench needs: no escaping of label values, no timestamps.
 */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  const values = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** Inbox events not yet processed nor failed (what the processor still owes). */
export async function inboxDepth(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query(
      "SELECT count(*)::int AS n FROM webhook_events WHERE processed_at IS NULL AND failed_at IS NULL",
    );
    return result.rows[0].n as number;
  } finally {
    await client.end();
  }
}

/** Least-squares slope of y over x (per unit of x); undefined with fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? undefined : num / den;
}
