import { cardModelOf } from "../../card-model-of.js";
import { renderDomainAnswer } from "../../views/answers.js";
import { code } from "../../views/format.js";
import { parseDomain } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker domain <name>`: the domain in Peeker (status, order, action), its imports and its open actions. */
export const domainSubcommand: Subcommand = {
  usage: "domain <name>",
  summary: "a domain's status, order, imports and open actions",
  async run([raw], _invocation, deps) {
    const name = parseDomain(raw);
    if (!name) {
      const given = raw === undefined ? "Missing" : `${code(raw, 60)} is not`;
      return { text: `${given} a domain name: try \`/peeker domain acme-mail.com\`.` };
    }
    const { domain, imports, tracked } = await deps.lookups.domain(name);
    if (!domain && imports.length === 0 && tracked.length === 0) {
      return { text: `No such domain in this account: \`${name}\`.` };
    }
    return {
      ...renderDomainAnswer({ name, domain, imports, tracked: tracked.map(cardModelOf) }),
      shareable: true,
    };
  },
};
