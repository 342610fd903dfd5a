import { openActionsWhere } from "../../../pending/open-actions.js";
import { renderImportsAnswer } from "../../views/answers.js";
import { code } from "../../views/format.js";
import { EXAMPLE_IDS, orNotFound, parseDomain, parsePeekerId, SLASH_PEEKER_CALL } from "./lookup.js";
import type { Subcommand } from "./types.js";

/** `/peeker import <imp_id|domain>`: an import's status, its nameserver groups and its open actions. */
export const importSubcommand: Subcommand = {
  usage: "import <imp_id|domain>",
  summary: "a domain import's status, the nameservers the customer must set, and its open actions",
  async run([raw], _invocation, deps) {
    const id = parsePeekerId(raw, "imp");
    if (id) {
      const found = await orNotFound(() => deps.peeker.getImport(id, SLASH_PEEKER_CALL));
      if (!found) return { text: `No such import in this account: \`${id}\`.` };
      const tracked = await openActionsWhere(deps.db, "import_id", id);
      return { ...renderImportsAnswer({ imports: [found.data], tracked }), shareable: true };
    }
    const domain = parseDomain(raw);
    if (!domain) {
      const given = raw === undefined ? "Missing" : `${code(raw, 60)} is neither`;
      return {
        text: `${given} an import id nor a domain: try \`/peeker import ${EXAMPLE_IDS.imp}\` or \`/peeker import acme-mail.com\`.`,
      };
    }
    const found = await orNotFound(() => deps.peeker.findImportsByDomains([domain], SLASH_PEEKER_CALL));
    const imports = found?.data ?? [];
    if (imports.length === 0) return { text: `No import with \`${domain}\` in this account.` };
    const tracked = (
      await Promise.all(imports.slice(0, 5).map((i) => openActionsWhere(deps.db, "import_id", i.id)))
    ).flat();
    return { ...renderImportsAnswer({ imports, domain, tracked }), shareable: true };
  },
};
