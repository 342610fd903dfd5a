import { renderHistory } from "../../views/history.js";
import type { Subcommand } from "./types.js";

/** Any id we keep: `ord_`, `dom_`, `imp_`, `swp_`, `usr_`, `act_`, a card key, a domain name or our own number. */
const ANY_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;

/** `/peeker history <any id>`: the audit trail of a resource (design §1). */
export const historySubcommand: Subcommand = {
  usage: "history <any id>",
  summary: "the audit trail of an order, domain, import, swap, customer or card",
  async run([raw], _invocation, deps) {
    const id = (raw ?? "").replace(/^<mailto:([^|>]+)\|[^>]*>$/, "$1").trim();
    if (!ANY_ID.test(id))
      return { text: `Usage: \`/peeker ${this.usage}\`, for example \`/peeker history ord_123\`.` };
    const { text } = renderHistory(id, await deps.lookups.history(id));
    // Retention removes older entries; say so, so an empty or short trail is not mistaken for "never happened".
    return {
      text: `${text}\n_The audit trail reaches back ${deps.config.retentionDays} days (RETENTION_DAYS)._`,
    };
  },
};
