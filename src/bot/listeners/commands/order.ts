import { openActionsWhere } from "../../../pending/open-actions.js";
import { renderOrderAnswer } from "../../views/answers.js";
import { badId, orNotFound, parsePeekerId, SLASH_PEEKER_CALL } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker order <ord_id>`: the order's status and domains, and its open actions as cards with their buttons. */
export const orderSubcommand: Subcommand = {
  usage: "order <ord_id>",
  summary: "an order's status, domains and open actions (with their buttons)",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "ord");
    if (!id) return badId(raw, "ord", this.usage);
    const order = await orNotFound(() => deps.peeker.getOrder(id, SLASH_PEEKER_CALL));
    if (!order) return { text: `No such order in this account: \`${id}\`.` };
    const [pending, tracked] = await Promise.all([
      deps.peeker.listPendingActionsPage({ order_id: id, per_page: 100 }, SLASH_PEEKER_CALL),
      openActionsWhere(deps.db, "order_id", id),
    ]);
    return {
      ...renderOrderAnswer({ order: order.data, peekerActions: pending.data, tracked }),
      shareable: true,
    };
  },
};
