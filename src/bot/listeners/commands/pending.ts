import { oldestOpen, openCountsByReason } from "../../../pending/open-actions.js";
import { renderPendingAnswer } from "../../views/answers.js";
import { code } from "../../views/format.js";
import { KNOWN_REASONS } from "../../views/reasons.js";
import type { Subcommand } from "./types.js";

const REASON = /^[a-z][a-z0-9_]{0,63}$/;

/** `/peeker pending [reason]`: the whole queue from the database (held cards included), oldest first. */
export const pendingSubcommand: Subcommand = {
  usage: "pending [reason]",
  summary: "open actions by reason, oldest first, with links to their cards",
  async run([raw], _invocation, deps) {
    const reason = raw?.toLowerCase();
    if (reason !== undefined && !REASON.test(reason)) {
      return {
        text: `${code(raw ?? "", 60)} is not a reason. Reasons look like ${KNOWN_REASONS.map((r) => `\`${r}\``).join(", ")}.`,
      };
    }
    const [byReason, items] = await Promise.all([
      openCountsByReason(deps.db),
      oldestOpen(deps.db, { limit: 15, ...(reason ? { reason } : {}) }),
    ]);
    const permalinks = new Map<string, string>();
    await Promise.all(
      items.map(async (item) => {
        if (!item.card) return;
        const link = await deps.visibility.permalink(item.card.channel, item.card.ts).catch(() => undefined);
        if (link) permalinks.set(item.id, link);
      }),
    );
    const answer = renderPendingAnswer({ now: deps.clock.now(), reason, byReason, items, permalinks });
    return { ...answer, shareable: items.length > 0 };
  },
};
