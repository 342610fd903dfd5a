import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { type ClaimedEvent, claimDueEvents, claimDueResources } from "../db/webhook-events.repository.js";
import type { BackgroundCapacity } from "../peeker/budget.js";
import type { RereadPacing } from "./reread-pacing.js";

/**
 * How the inbox processor (src/jobs/inbox-processor.ts) claims its next batch: one event at a time, or — coalesced
 * (issue #14) — whole resources with all their waiting events, no more of them than Peeker's budget and the
 * re-read pacing let start now.
 */

export interface InboxClaimSettings {
  db: Kysely<Database>;
  workerId: string;
  coalesce: boolean;
  batchSize: number;
  leaseSeconds: number;
  pollMs: number;
  capacity: (() => BackgroundCapacity) | undefined;
  pacing: RereadPacing | undefined;
  /**
   * Whether events naming no resource come along in the claim; false when the processor settles them in bulk
   * (src/jobs/inbox-bare-events.ts).
   */
  claimBare: boolean;
}

export interface ClaimedBatch {
  /** One group per resource (per event when coalescing is off), handled together. */
  groups: ClaimedEvent[][];
  /** More is probably waiting: the loop ticks again at once instead of sleeping a poll. */
  full: boolean;
}

/** Most events one claimed resource brings along (a resource with more is claimed again for the rest). */
const EVENTS_PER_RESOURCE = 50;

/** Claims the next batch, grouped by resource (one group per event when coalescing is off). */
export async function claimInboxBatch(settings: InboxClaimSettings): Promise<ClaimedBatch> {
  const { db, workerId, batchSize, leaseSeconds, pacing } = settings;
  if (!settings.coalesce) {
    const batch = await claimDueEvents(db, workerId, batchSize, leaseSeconds);
    return { groups: batch.map((event) => [event]), full: batch.length === batchSize };
  }
  const budget = settings.capacity?.() ?? { now: batchSize, nextInMs: 0 };
  const paced = pacing?.available() ?? batchSize;
  const room = {
    now: Math.min(budget.now, paced),
    nextInMs: Math.max(budget.nextInMs, pacing?.nextInMs() ?? 0),
  };
  const resources = Math.min(batchSize, room.now);
  const batch = await claimDueResources(db, workerId, {
    resources,
    bareEvents: settings.claimBare ? batchSize : 0,
    maxEvents: batchSize * EVENTS_PER_RESOURCE,
    leaseSeconds,
  });
  // The intake keys an event naming no resource `event:<its id>`, so grouping by key keeps those one by one.
  const groups = new Map<string, ClaimedEvent[]>();
  for (const event of batch) {
    const key = event.resource_key ?? `event:${event.event_id}`;
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  pacing?.take([...groups.keys()].filter((key) => !key.startsWith("event:")).length);
  if (batch.length === 0 && room.now === 0) {
    // Peeker's budget has no room for a re-read now: look again once it has, not a whole poll later.
    await new Promise((resolve) => setTimeout(resolve, Math.min(room.nextInMs, settings.pollMs)));
    return { groups: [], full: true };
  }
  return { groups: [...groups.values()], full: batch.length > 0 };
}
