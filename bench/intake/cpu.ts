import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";

/**
 * CPU seconds spent by a server's processes and by its PostgreSQL backends, from /proc (Linux). On 2 shared cores
 * the accepted/s of a phase moves with the machine's load; the CPU each accepted delivery cost moves much less,
 * so the table shows both.
 */

const TICKS_PER_SECOND = 100;

/** utime + stime of one process, seconds; 0 when it is gone. */
function processSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Every live process of the process group `pgid` (a detached child and what it spawned). */
export function groupSeconds(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) total += processSeconds(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

export interface DatabaseSample {
  /** CPU seconds by backend pid, for the backends connected to the database (every pool of the server). */
  backends: Map<number, number>;
  /** Committed transactions so far (pg_stat_database, flushed by the backends about once a second). */
  commits: number;
}

export async function sampleDatabase(url: string): Promise<DatabaseSample> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    const stats = await client.query<{ commits: string }>(
      "SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()",
    );
    return {
      backends: new Map(result.rows.map((r) => [r.pid, processSeconds(r.pid)])),
      commits: Number(stats.rows[0]?.commits ?? 0),
    };
  } finally {
    await client.end();
  }
}

/** CPU the backends used between two samples (a backend that appeared in between counts from 0), and commits. */
export function databaseDelta(
  before: DatabaseSample,
  after: DatabaseSample,
): { cpuSeconds: number; commits: number } {
  let cpuSeconds = 0;
  for (const [pid, seconds] of after.backends) cpuSeconds += seconds - (before.backends.get(pid) ?? 0);
  // Each sample's own transactions (two queries) count too.
  return { cpuSeconds, commits: after.commits - before.commits - 2 };
}
