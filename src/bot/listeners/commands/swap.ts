import { cardModelOf } from "../../card-model-of.js";
import { renderSwapAnswer } from "../../views/answers.js";
import { badId, parsePeekerId } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker swap <swp_id>`: a swap's status and the open action of the domain it replaces. */
export const swapSubcommand: Subcommand = {
  usage: "swap <swp_id>",
  summary: "a swap's status, its domains and open actions",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "swp");
    if (!id) return badId(raw, "swp", this.usage);
    const found = await deps.lookups.swap(id);
    if (!found) return { text: `No such swap in this account: \`${id}\`.` };
    return {
      ...renderSwapAnswer({ swap: found.swap, tracked: found.tracked.map(cardModelOf) }),
      shareable: true,
    };
  },
};
