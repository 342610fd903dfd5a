import type { Kysely, Transaction } from "kysely";
import { BACK_TO_OPEN, claimQueuedPlacement, clearIntent } from "../db/intents.repository.js";
import {
  findPendingAction,
  lockPendingAction,
  updatePendingAction,
} from "../db/pending-actions.repository.js";
import type { Database, PendingActionRow } from "../db/schema.js";
import { escapeMrkdwn } from "../mrkdwn.js";
import type { PeekerClient } from "../peeker/client.js";
import { isPeekerError, type PeekerError } from "../peeker/errors.js";
import type { CardPublisher } from "./apply-snapshot.js";
import type { CardChange } from "./changes.js";
import { INTENT_OWNER, whileInFlight } from "./intents.js";
import { withLogin } from "./reorder-body.js";
import { lookUpCorrectedOrder, recordQueuedPlaced } from "./reorder-outcomes.js";
import { INTERACTIVE, publishChange } from "./resolution.js";
import {
  patchDetails,
  type QueuedReorder,
  type SequencerLogin,
  slackDetailsOf,
  withNote,
} from "./slack-details.js";

/**
 * Placing one queued reorder (src/pending/queued-reorders.ts) once its original is `cancelled`: read the original,
 * get the login, then the one `POST /orders`, its intent recorded first against the row's version. Its own file
 * because this is the crash-safe write; the passes that call it (webhook, reconcile, the login button) are not.
 */

/** What placing needs (src/pending/queued-reorders.ts passes its `QueuedReorderDeps`). */
export interface PlaceQueuedDeps {
  db: Kysely<Database>;
  peeker: Pick<PeekerClient, "getOrder" | "createOrder" | "listOrders">;
  publisher: CardPublisher;
  now: () => Date;
  /** PEEKER_SEQUENCER_LOGIN_EMAIL / _PASSWORD as configured right now. */
  sequencerLogin: () => Partial<SequencerLogin>;
}

/** Who places it: `login` is given by the card's login modal; otherwise configuration decides. */
export interface PlacedBy {
  actor: string;
  login?: SequencerLogin;
  interactive?: boolean;
}

export type PlaceOutcome = "placed" | "waiting" | "need_login" | "refused" | "busy" | "gone";

/**
 * One queued reorder. Throws on a transient Peeker failure (the entry stays queued). No transaction is open
 * during a Peeker call: the placement is taken by recording its intent against the row's version (one winner
 * across replicas), and every change after a Peeker answer is a short transaction that first checks the row did
 * not move meanwhile.
 */
export function placeQueued(deps: PlaceQueuedDeps, id: string, who: PlacedBy): Promise<PlaceOutcome> {
  return whileInFlight(id, () => placeQueuedNow(deps, id, who));
}

/** The steps in order: the entry is still queued, its original is `cancelled`, a login is at hand, then the POST. */
async function placeQueuedNow(deps: PlaceQueuedDeps, id: string, who: PlacedBy): Promise<PlaceOutcome> {
  const options = who.interactive ? INTERACTIVE : undefined;
  const row = await findPendingAction(deps.db, id);
  const queued = row ? slackDetailsOf(row.details).queuedReorder : undefined;
  if (row?.state !== "resolving" || !queued) return "gone";
  // Another replica (or the webhook path) is already placing this one.
  if (row.intent_kind === "queued_order_create") return "busy";
  const original = await deps.peeker.getOrder(queued.originalOrderId, options);
  const status = original.data.status;
  if (status === "completed" || status === "failed") {
    return dropQueued(deps, row, queued, status, original.requestId, who.actor);
  }
  if (status !== "cancelled") return "waiting";
  const login = who.login ?? (queued.loginFrom === "config" ? complete(deps.sequencerLogin()) : undefined);
  if (!login) return askForLogin(deps, row, queued, original.requestId, who.actor);
  return sendQueuedOrder(deps, row, queued, login, who);
}

/** The original ended some other way and will never be `cancelled`: waiting on it would hold the card forever. */
async function dropQueued(
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  queued: QueuedReorder,
  status: string,
  requestId: string | undefined,
  actor: string,
): Promise<PlaceOutcome> {
  const why = `${queued.originalOrderId} is ${status}, not cancelled; the queued corrected order was dropped`;
  const done = await ifUnchanged(deps, row, (trx) =>
    reopenQueued(
      trx,
      deps,
      row,
      why,
      { kind: "reopened", why },
      "action.reopened",
      actor,
      { why },
      requestId,
    ),
  );
  return done ? "refused" : "busy";
}

/** The original is cancelled but no login can be had without a person: the card asks for it (once). */
async function askForLogin(
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  queued: QueuedReorder,
  requestId: string | undefined,
  actor: string,
): Promise<PlaceOutcome> {
  if (queued.needsLogin) return "need_login";
  const asking: QueuedReorder = { ...queued, needsLogin: true };
  await ifUnchanged(deps, row, async (trx) => {
    const updated = await updatePendingAction(trx, row.id, {
      details: withNote(
        patchDetails(row.details, { queuedReorder: asking }),
        escapeMrkdwn(
          `${queued.originalOrderId} is cancelled: enter the sequencer login to place the corrected order`,
        ),
      ),
      resolving_note: `${queued.originalOrderId} is cancelled; waiting for the sequencer login`,
    });
    await publishChange(
      trx,
      deps,
      updated,
      {
        kind: "note",
        text: `<@${queued.requestedBy}> ${queued.originalOrderId} is cancelled. Press *Enter sequencer login…* on the card to place the corrected order.`,
      },
      "action.reorder_needs_login",
      actor,
      { original_order_id: queued.originalOrderId },
      requestId,
    );
  });
  return "need_login";
}

/**
 * The one Peeker write, `POST /orders`, its intent taken first against the version read above: exactly one
 * process sends it. A lost answer is looked up; not found, the entry stays queued and the error is rethrown.
 */
async function sendQueuedOrder(
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  queued: QueuedReorder,
  login: SequencerLogin,
  who: PlacedBy,
): Promise<PlaceOutcome> {
  const claimed = await claimQueuedPlacement(deps.db, {
    id: row.id,
    version: row.version,
    owner: INTENT_OWNER,
    now: deps.now(),
    payload: { original_order_id: queued.originalOrderId, body: queued.body },
  });
  if (!claimed) return "busy";
  let placed: { id: string; requestId: string | undefined };
  try {
    const answer = await deps.peeker.createOrder(
      withLogin(queued.body, login),
      who.interactive ? INTERACTIVE : undefined,
    );
    placed = { id: answer.data.id, requestId: answer.requestId };
  } catch (error) {
    if (isPeekerError(error) && error.isClientError) {
      // Peeker refused the body itself; repeating it cannot help, so the card goes back to the team.
      await refuseQueued(deps, claimed, error, who.actor);
      return "refused";
    }
    const found = await lookUpCorrectedOrder(
      deps.peeker,
      queued.body,
      queued.originalOrderId,
      claimed.intent_at ?? deps.now(),
    ).catch(() => undefined);
    if (!found) {
      // Not placed (as far as Peeker shows): the entry stays queued for the next pass, without an intent.
      await clearIntent(deps.db, claimed).catch(() => {});
      throw error;
    }
    placed = found;
  }
  await recordQueuedPlaced(deps, claimed.id, queued, placed, who.actor);
  return "placed";
}

/** Runs `change` in a short transaction if the row is still at the version `row` was read at. */
async function ifUnchanged(
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  change: (trx: Transaction<Database>) => Promise<unknown>,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const current = await lockPendingAction(trx, row.id);
    if (!current || current.version !== row.version) return false;
    await change(trx);
    return true;
  });
}

async function reopenQueued(
  trx: Transaction<Database>,
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  note: string,
  change: CardChange,
  auditAction: string,
  actor: string,
  details: Record<string, unknown>,
  requestId: string | undefined,
): Promise<void> {
  const reopened = await updatePendingAction(trx, row.id, {
    ...BACK_TO_OPEN,
    // Card notes are mrkdwn: the ids Peeker gave are escaped (src/mrkdwn.ts).
    details: withNote(patchDetails(row.details, { queuedReorder: undefined }), escapeMrkdwn(note)),
  });
  await publishChange(trx, deps, reopened, change, auditAction, actor, details, requestId);
}

async function refuseQueued(
  deps: PlaceQueuedDeps,
  row: PendingActionRow,
  error: PeekerError,
  actor: string,
): Promise<void> {
  await ifUnchanged(deps, row, (trx) =>
    reopenQueued(
      trx,
      deps,
      row,
      `Peeker refused the corrected order (${error.code}${error.requestId ? `, request ${error.requestId}` : ""})`,
      {
        kind: "error",
        message: `Peeker refused the corrected order: ${error.code}`,
        requestId: error.requestId,
      },
      "action.reorder_refused",
      actor,
      { code: error.code, field: error.field ?? null },
      error.requestId,
    ),
  );
}

function complete(login: Partial<SequencerLogin>): SequencerLogin | undefined {
  return login.email && login.password ? { email: login.email, password: login.password } : undefined;
}
