import { cardModelOf } from "../../card-model-of.js";
import { renderImportsAnswer } from "../../views/answers.js";
import { code } from "../../views/format.js";
import { EXAMPLE_IDS, parseDomain, parsePeekerId } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker import <imp_id|domain>`: an import's status, its nameserver groups and its open actions. */
export const importSubcommand: Subcommand = {
  usage: "import <imp_id|domain>",
  summary: "a domain import's status, the nameservers the customer must set, and its open actions",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "imp");
    if (id) {
      const found = await deps.lookups.importById(id);
      if (!found) return { text: `No such import in this account: \`${id}\`.` };
      const tracked = found.tracked.map(cardModelOf);
      return { ...renderImportsAnswer({ imports: [found.import], tracked }), shareable: true };
    }
    const domain = parseDomain(raw);
    if (!domain) {
      const given = raw === undefined ? "Missing" : `${code(raw, 60)} is neither`;
      return {
        text: `${given} an import id nor a domain: try \`/peeker import ${EXAMPLE_IDS.imp}\` or \`/peeker import acme-mail.com\`.`,
      };
    }
    const { imports, tracked } = await deps.lookups.importsByDomain(domain);
    if (imports.length === 0) return { text: `No import with \`${domain}\` in this account.` };
    return {
      ...renderImportsAnswer({ imports, domain, tracked: tracked.map(cardModelOf) }),
      shareable: true,
    };
  },
};
