import type { PendingActionRow } from "../../../db/schema.js";
import { openActionsWhere } from "../../../pending/open-actions.js";
import { renderSwapAnswer } from "../../views/answers.js";
import { badId, orNotFound, parsePeekerId, SLASH_PEEKER_CALL } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker swap <swp_id>`: a swap's status and the open action of the domain it replaces. */
export const swapSubcommand: Subcommand = {
  usage: "swap <swp_id>",
  summary: "a swap's status, its domains and open actions",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "swp");
    if (!id) return badId(raw, "swp", this.usage);
    const found = await orNotFound(() => deps.peeker.getSwap(id, SLASH_PEEKER_CALL));
    if (!found) return { text: `No such swap in this account: \`${id}\`.` };
    const [bySwap, byDomain] = await Promise.all([
      openActionsWhere(deps.db, "swap_id", id),
      openActionsWhere(deps.db, "domain_id", found.data.domain_id),
    ]);
    return {
      ...renderSwapAnswer({ swap: found.data, tracked: unique([...bySwap, ...byDomain]) }),
      shareable: true,
    };
  },
};

export function unique(rows: PendingActionRow[]): PendingActionRow[] {
  return [...new Map(rows.map((row) => [row.id, row])).values()];
}
