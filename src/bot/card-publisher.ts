import type { Transaction } from "kysely";
import type { Database, PendingActionRow } from "../db/schema.js";
import { upsertDesiredCard } from "../db/slack-cards.repository.js";
import { queueThreadLine } from "../db/thread-lines.repository.js";
import type { CardPublisher } from "../pending/apply-snapshot.js";
import type { CardChange } from "../pending/changes.js";
import { cardModelOf } from "./card-model-of.js";
import { renderCard } from "./views/card.js";
import { cardHash } from "./views/card-hash.js";
import { renderThreadLine } from "./views/thread-line.js";

/**
 * The bot's side of the domain's CardPublisher: renders with the pure views and writes the outbox in the
 * caller's transaction, so a card change and its state change commit together.
 */
export function createCardPublisher(channel: string): CardPublisher {
  return {
    async publish(trx: Transaction<Database>, action: PendingActionRow) {
      const rendered = renderCard(cardModelOf(action));
      await upsertDesiredCard(trx, {
        pendingActionId: action.id,
        channel,
        text: rendered.text,
        blocks: rendered.blocks,
        metadata: rendered.metadata as unknown as Record<string, unknown>,
        hash: cardHash(rendered),
      });
    },
    async threadLine(trx: Transaction<Database>, action: PendingActionRow, change: CardChange) {
      await queueThreadLine(trx, { pendingActionId: action.id, channel, text: renderThreadLine(change) });
    },
  };
}
