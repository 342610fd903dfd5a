import { appendAudit } from "../db/audit-log.repository.js";
import { findCustomerChannel } from "../db/customer-channels.repository.js";
import {
  customerMessageQueuedAfter,
  latestCustomerMessageId,
  queueCustomerMessage,
} from "../db/customer-messages.repository.js";
import { BACK_TO_OPEN } from "../db/intents.repository.js";
import { lockPendingAction, updatePendingAction } from "../db/pending-actions.repository.js";
import type { PendingActionRow } from "../db/schema.js";
import type { NameserverGroup } from "../peeker/types.js";
import { openResolution } from "./open-resolution.js";
import { invalid, type ResolveOutcome, refused } from "./outcomes.js";
import { refreshActionFromPeeker } from "./refresh-from-peeker.js";
import type { PeekerReader } from "./reread.js";
import { type Actor, flowReader, goneUpstream, publishChange, type ResolveDeps } from "./resolution.js";
import { audited } from "./resolution-audit.js";
import { claimForResolution } from "./resolution-claim.js";
import { lock, release } from "./resolution-lock.js";
import { withNote } from "./slack-details.js";
import type { ActionDetails } from "./snapshot.js";

/**
 * *Send nameservers…* (`update_nameservers`, design §1): the customer must point their domains at Peeker's
 * nameservers. The bot builds a customer-ready message from the import's `nameserver_groups`, an operator edits
 * it and sends it to the customer's linked channel, or to the card thread to forward. Peeker is only read here;
 * the write is the message. The card records "Customer notified by @x" and stays open until Peeker reports the
 * import or domain done (and the SLA nudges go on meanwhile).
 */

export const NAMESERVERS_REASON = "update_nameservers";

export interface NameserversForm {
  row: PendingActionRow;
  groups: NameserverGroup[];
  /** The customer's linked channel, if any. */
  customerChannel: string | undefined;
}

export interface NameserversSubmission {
  message: string;
  sendTo: "customer" | "thread";
}

export interface NameserversSent {
  to: { channel: string } | "thread";
}

/** What the modal needs; `beforePeeker` runs once the claim passed (the listener opens its loading view there). */
export function prepareNameservers(
  deps: ResolveDeps,
  actor: Actor,
  hooks: { beforePeeker: () => Promise<void> },
): Promise<ResolveOutcome<NameserversForm>> {
  return audited(deps, actor, "click.send_nameservers", {}, async () => {
    const opened = await openResolution(deps, actor, NAMESERVERS_REASON, hooks);
    if ("refusal" in opened) return refused(opened.refusal);
    const { row, reader } = opened;
    const { groups, userId } = await nameserversOf(reader, row);
    const link = await findCustomerChannel(deps.db, {
      userId: row.user_id ?? userId,
      email: row.customer_email,
    });
    return { kind: "done", result: { row, groups, customerChannel: link?.channel } };
  });
}

/**
 * The message goes through the outbox (design §6): it is written in the same commit as "Customer notified" and
 * the card's release, and the Slack sender posts it after commit, at most once. A failed commit sends nothing
 * (and says so); a crash before it leaves the lock for the sweeper, which reopens the card.
 */
export function submitNameservers(
  deps: ResolveDeps,
  actor: Actor,
  input: NameserversSubmission,
): Promise<ResolveOutcome<NameserversSent>> {
  const message = input.message.trim();
  return audited(
    deps,
    actor,
    "submit.send_nameservers",
    { send_to: input.sendTo, chars: message.length },
    async () => {
      if (message === "") return invalid({ field: "message", problem: { kind: "required" } });
      const claimed = await claimForResolution(deps, actor, { claim: true, reason: NAMESERVERS_REASON });
      if ("refusal" in claimed) return refused(claimed.refusal);
      // The lock stops a double submit from messaging the customer twice.
      const locked = await lock(deps, actor, claimed.row, "Sending nameservers to the customer");
      if ("refusal" in locked) return refused(locked.refusal);
      // Set just before the recording commit: a failure after it may be only a lost acknowledgement.
      let queuedAfter: string | undefined;
      try {
        const reader = flowReader(deps.peeker);
        const row = await refreshActionFromPeeker(deps, reader, locked.row, `slack:${actor.userId}:submit`);
        const gone = goneUpstream(row);
        if (gone) return refused(gone);
        let to: NameserversSent["to"];
        if (input.sendTo === "customer") {
          // Re-read, not taken from the modal: the link may have changed since it opened (design §7).
          const { userId } = await nameserversOf(reader, row);
          const link = await findCustomerChannel(deps.db, {
            userId: row.user_id ?? userId,
            email: row.customer_email,
          });
          if (!link) {
            await release(deps, actor, "no customer channel");
            return invalid({ field: "sendTo", problem: { kind: "no_customer_channel" } });
          }
          to = { channel: link.channel };
        } else {
          to = "thread";
        }
        if (to !== "thread") queuedAfter = await latestCustomerMessageId(deps.db, row.id);
        await recordCustomerNotified(deps, actor.userId, row.id, message, to);
        deps.wakeSender();
        return { kind: "done", result: { to } };
      } catch (error) {
        const landed = queuedAfter === undefined ? false : await commitLanded(deps, actor, queuedAfter);
        // The message is (or may be) queued: the card is not released, the user is told not to send it again.
        if (landed !== false) return { kind: "failed", error, doing: "confirming it", changed: landed };
        await release(deps, actor, "sending failed").catch(() => {});
        await appendAudit(deps.db, [
          {
            actor: actor.userId,
            action: "customer.message_failed",
            pendingActionId: actor.pendingActionId,
            details: { error: (error as { code?: string })?.code ?? (error as Error)?.message },
          },
        ]).catch(() => {});
        return { kind: "failed", error, doing: "sending the message" };
      }
    },
  );
}

/**
 * After a failed recording commit: whether it landed anyway (the customer outbox has this submit's row), in the
 * words `outcomeInWords` puts before "but …"; false when it surely did not.
 */
async function commitLanded(deps: ResolveDeps, actor: Actor, afterId: string): Promise<string | false> {
  try {
    const queued = await customerMessageQueuedAfter(deps.db, {
      pendingActionId: actor.pendingActionId,
      requestedBy: actor.userId,
      afterId,
    });
    return queued ? "The message was recorded and will be sent to the customer" : false;
  } catch {
    // The database is still unreachable: the commit almost surely never reached it (the old answer stands).
    return false;
  }
}

/** One commit: the note, the card back to `open`, and the message queued (customer outbox or card thread). */
async function recordCustomerNotified(
  deps: ResolveDeps,
  actorId: string,
  id: string,
  message: string,
  to: NameserversSent["to"],
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, id);
    if (!current) return;
    const stillOurs = current.state === "resolving" && current.resolving_by === actorId;
    // Taken back meanwhile (a sweeper after a stall): this submit no longer owns the card, send nothing.
    if (!stillOurs) throw new Error("The card was released before the message was recorded");
    const note =
      to === "thread"
        ? `Customer notified by <@${actorId}> (message in the thread to forward)`
        : `Customer notified by <@${actorId}> in <#${to.channel}>`;
    // Back to open: nothing is pending on our side; Peeker's own re-read resolves the card when done.
    const updated = await updatePendingAction(trx, id, {
      details: withNote(current.details, note),
      ...BACK_TO_OPEN,
    });
    if (to === "thread") {
      await deps.publisher.threadLine(trx, updated, { kind: "customer_message", text: message });
    } else {
      await queueCustomerMessage(trx, {
        pendingActionId: id,
        channel: to.channel,
        text: message,
        requestedBy: actorId,
      });
    }
    await publishChange(
      trx,
      deps,
      updated,
      { kind: "customer_notified", by: actorId, to },
      "customer.notified",
      actorId,
      { destination: to === "thread" ? "thread" : to.channel, message },
    );
  });
}

/**
 * The nameserver groups of the card: stored by the import re-read, or (a card keyed by its domain) found through
 * `GET /domains/import?domains=…`. Also the import's customer, when Peeker gives one.
 */
async function nameserversOf(
  reader: PeekerReader,
  row: PendingActionRow,
): Promise<{ groups: NameserverGroup[]; userId: string | null }> {
  const stored = (row.details as ActionDetails).nameserverGroups ?? [];
  if (row.import_id) {
    const imp = await reader.getImport(row.import_id);
    const userId = typeof imp.data.user_id === "string" ? imp.data.user_id : null;
    return { groups: imp.data.nameserver_groups.length > 0 ? imp.data.nameserver_groups : stored, userId };
  }
  if (stored.length > 0 || !row.domain) return { groups: stored, userId: null };
  const found = await reader.findImportsByDomains([row.domain]);
  const imp = found.data[0];
  const groups = (imp?.nameserver_groups ?? []).filter((g) => g.domains.includes(row.domain ?? ""));
  return { groups, userId: typeof imp?.user_id === "string" ? imp.user_id : null };
}
