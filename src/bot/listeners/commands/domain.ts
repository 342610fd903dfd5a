import type { PeekerClient } from "../../../peeker/client.js";
import type { Domain } from "../../../peeker/types.js";
import { knownDomainId, openActionsWhere } from "../../../pending/open-actions.js";
import { renderDomainAnswer } from "../../views/answers.js";
import { code } from "../../views/format.js";
import { orNotFound, parseDomain, SLASH_PEEKER_CALL } from "./lookup.js";
import { unique } from "./swap.js";
import type { Subcommand } from "./types.js";

/** Pages of `GET /domains` walked to find a name the tracked actions do not know (Peeker has no name filter). */
const MAX_DOMAIN_PAGES = 10;

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
    const knownId = await knownDomainId(deps.db, name);
    const [domain, imports] = await Promise.all([
      findDomain(deps.peeker, name, knownId),
      orNotFound(() => deps.peeker.findImportsByDomains([name], SLASH_PEEKER_CALL)).then(
        (r) => r?.data ?? [],
      ),
    ]);
    const tracked = unique([
      ...(await openActionsWhere(deps.db, "domain", name)),
      ...(domain ? await openActionsWhere(deps.db, "domain_id", domain.id) : []),
    ]);
    if (!domain && imports.length === 0 && tracked.length === 0) {
      return { text: `No such domain in this account: \`${name}\`.` };
    }
    return { ...renderDomainAnswer({ name, domain, imports, tracked }), shareable: true };
  },
};

async function findDomain(
  peeker: PeekerClient,
  name: string,
  knownId: string | undefined,
): Promise<Domain | undefined> {
  if (knownId) {
    const found = await orNotFound(() => peeker.getDomain(knownId, SLASH_PEEKER_CALL));
    if (found && found.data.domain.toLowerCase() === name) return found.data;
  }
  let pages = 0;
  for await (const page of peeker.listDomains({ per_page: 100 }, SLASH_PEEKER_CALL).pages()) {
    const match = page.data.find((d) => d.domain.toLowerCase() === name);
    if (match) return match;
    if (++pages >= MAX_DOMAIN_PAGES) break;
  }
  return undefined;
}
