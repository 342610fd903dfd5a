import type { Kysely } from "kysely";
import { type AuditEntry, appendAudit } from "../db/audit-log.repository.js";
import {
  type BareEvent,
  lockDueBareEvents,
  markBareEventsProcessed,
  rekeyWaitingEvents,
} from "../db/bare-events.repository.js";
import type { Database } from "../db/schema.js";

/**
 * The bulk path for inbox events that name no resource (issue #14 item 2): they need no Peeker call and change no
 * card, only an audit row each, so they are settled in one short transaction per batch — lock, mark processed,
 * audit — instead of a claim with a lease, a handler and a processed mark per group. Under a flood of such events
 * (bench/README.md "Intake") the coalesced claim cost the database about 0.14 ms per event in planning and its
 * head scan; this path costs about a tenth of that, and leaves the intake its share of the 2 cores.
 *
 * Atomic: a crash before the commit leaves every row waiting, as it was; after it, every row is processed with its
 * audit row. No network call happens inside the transaction.
 */

/** What an event naming no resource key becomes: ignored with its audit row, or given the key its payload names. */
export type BareEventVerdict =
  | { kind: "ignored"; audit: AuditEntry }
  | { kind: "names"; resourceKey: string };

export interface BareEventSettling {
  db: Kysely<Database>;
  classify: (event: BareEvent) => BareEventVerdict;
  /** Most events settled in one transaction. */
  limit: number;
}

export interface SettledBareEvents {
  settled: number;
  rekeyed: number;
  /** The batch was full: more are probably waiting. */
  full: boolean;
}

export async function settleBareEvents(settings: BareEventSettling): Promise<SettledBareEvents> {
  return settings.db.transaction().execute(async (trx) => {
    const events = await lockDueBareEvents(trx, settings.limit);
    const ignored: string[] = [];
    const audit: AuditEntry[] = [];
    const rekey: Array<{ eventId: string; resourceKey: string }> = [];
    for (const event of events) {
      const verdict = settings.classify(event);
      if (verdict.kind === "ignored") {
        ignored.push(event.event_id);
        audit.push(verdict.audit);
      } else {
        rekey.push({ eventId: event.event_id, resourceKey: verdict.resourceKey });
      }
    }
    await markBareEventsProcessed(trx, ignored);
    await appendAudit(trx, audit);
    await rekeyWaitingEvents(trx, rekey);
    return { settled: ignored.length, rekeyed: rekey.length, full: events.length === settings.limit };
  });
}
