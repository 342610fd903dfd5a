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

/** CPU of the backends connected to `database` (every pool of the server using it), by backend pid. */
export async function backendSeconds(adminUrl: string, database: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    return new Map(result.rows.map((r) => [r.pid, processSeconds(r.pid)]));
  } finally {
    await client.end();
  }
}

/** CPU the backends used between two samples (a backend that appeared in between counts from 0). */
export function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
