import { cardModelOf } from "../../card-model-of.js";
import { renderOrderAnswer } from "../../views/answers.js";
import { badId, parsePeekerId } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker order <ord_id>`: the order's status and domains, and its open actions as cards with their buttons. */
export const orderSubcommand: Subcommand = {
  usage: "order <ord_id>",
  summary: "an order's status, domains and open actions (with their buttons)",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "ord");
    if (!id) return badId(raw, "ord", this.usage);
    const found = await deps.lookups.order(id);
    if (!found) return { text: `No such order in this account: \`${id}\`.` };
    return {
      ...renderOrderAnswer({
        order: found.order,
        peekerActions: found.peekerActions,
        tracked: found.tracked.map(cardModelOf),
      }),
      shareable: true,
    };
  },
};
