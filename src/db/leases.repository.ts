import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Worker ids are `<hostname>:<pid>:<random>`. At start-up a process releases the leases that earlier processes
 * on its own host left behind when they died (a SIGKILL, a crash), so their work resumes at once instead of
 * after the lease runs out. Leases of live processes, and of other hosts, are left to expire on their own.
 */
export async function releaseOrphanedLeases(
  db: Kysely<Database>,
  self: { hostname: string; pid: number; workerId: string },
  isAlive: (pid: number) => boolean,
): Promise<number> {
  const prefix = `${self.hostname}:`;
  const holders = new Set<string>();
  const events = await db
    .selectFrom("webhook_events")
    .select("locked_by")
    .distinct()
    .where("locked_by", "like", `${prefix}%`)
    .where("processed_at", "is", null)
    .execute();
  const channels = await db
    .selectFrom("slack_channels")
    .select("locked_by")
    .where("locked_by", "like", `${prefix}%`)
    .execute();
  // Re-read leases of src/pending/resource-lease.ts (holder `<hostname>:<pid>`): a SIGKILLed re-read must not
  // keep its resource busy for the lease's two minutes.
  const reads = await db
    .selectFrom("resource_reads")
    .select("leased_by as locked_by")
    .distinct()
    .where("leased_by", "like", `${prefix}%`)
    .execute();
  for (const row of [...events, ...channels, ...reads]) if (row.locked_by) holders.add(row.locked_by);

  const orphans = [...holders].filter((holder) => {
    if (holder === self.workerId) return false;
    const pid = Number(holder.slice(prefix.length).split(":")[0]);
    // Our own pid under another id is an earlier incarnation (a restarted container keeps pid 1).
    return !Number.isInteger(pid) || pid === self.pid || !isAlive(pid);
  });
  if (orphans.length === 0) return 0;
  const released = await db
    .updateTable("webhook_events")
    .set({ locked_by: null, locked_until: null })
    .where("locked_by", "in", orphans)
    .where("processed_at", "is", null)
    .executeTakeFirst();
  await db
    .updateTable("slack_channels")
    .set({ locked_by: null, locked_until: null })
    .where("locked_by", "in", orphans)
    .execute();
  await db
    .updateTable("resource_reads")
    .set({ leased_by: null, lease_token: null, leased_until: null })
    .where("leased_by", "in", orphans)
    .execute();
  return Number(released.numUpdatedRows);
}
