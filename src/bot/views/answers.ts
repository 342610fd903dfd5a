import type { types } from "@slack/bolt";
import type { Domain, DomainImport, Order, PendingOrderAction, Swap } from "../../peeker/types.js";
import type { QueueItem, ReasonCount } from "../../pending/open-actions.js";
import {
  date,
  domainList,
  fields,
  LIST,
  listSection,
  peekerActionLines,
  resourceActions,
  section,
  status,
  trackedCards,
} from "./answer-parts.js";
import type { CardModel } from "./card-model.js";
import { itemLine } from "./digest.js";
import { andMore, clip, code, escapeMrkdwn, takeWithRest } from "./format.js";
import { reasonLabel } from "./reasons.js";

/**
 * Answers of the `/peeker` lookups (design §3 "Slash answers"): pure renders of what Peeker said and of the
 * tracked actions, which are shown as their cards so their buttons work from the answer too (`/peeker status`
 * is ./status-answer.ts). Every answer stays
 * well under a message's 50 blocks (the dispatcher adds the *Share in channel* button).
 */

type KnownBlock = types.KnownBlock;

export interface Answer {
  text: string;
  blocks: KnownBlock[];
}

// ---- order ---------------------------------------------------------------------------------------------------

export function renderOrderAnswer(input: {
  order: Order;
  peekerActions: PendingOrderAction[];
  tracked: CardModel[];
}): Answer {
  const { order } = input;
  const blocks: KnownBlock[] = [
    section(`*Order ${code(order.id, 80)}* is ${status(order.status)}`),
    fields([
      [
        "Customer",
        [order.email ? clip(order.email, 80) : "", code(order.user_id, 60)].filter(Boolean).join(" · "),
      ],
      ["Created", date(order.created_at)],
      ["Personas", String(order.personas.length)],
      ["Domains", String(order.domains.length)],
    ]),
    section(`*Domains*\n${domainList(order.domains.map((d) => d.domain))}`),
  ];
  if (input.peekerActions.length > 0) {
    blocks.push(
      section(
        [
          `*Peeker is waiting on us (${input.peekerActions.length})*`,
          ...peekerActionLines(personaActions(input.peekerActions)),
        ].join("\n"),
      ),
    );
  } else {
    blocks.push(section("_Peeker lists no open action on this order._"));
  }
  blocks.push(...trackedCards(input.tracked));
  const open = input.tracked.length;
  return {
    text: `Order ${escapeMrkdwn(order.id)}: ${escapeMrkdwn(order.status)}${open > 0 ? `, ${open} open ${open === 1 ? "action" : "actions"}` : ""}`,
    blocks,
  };
}

function personaActions(actions: PendingOrderAction[]) {
  return actions.map((a) => {
    const who = a.user ? `${a.user.first_name} ${a.user.last_name}`.trim() : "";
    return { reason: a.reason, message: [who, a.message].filter(Boolean).join(": ") || undefined };
  });
}

// ---- import --------------------------------------------------------------------------------------------------

export function renderImportsAnswer(input: {
  imports: DomainImport[];
  /** The domain the user asked about, when they did not give an import id. */
  domain?: string;
  tracked: CardModel[];
}): Answer {
  const blocks: KnownBlock[] = [];
  if (input.domain) {
    blocks.push(
      section(
        `*${input.imports.length} ${input.imports.length === 1 ? "import" : "imports"}* with ${code(input.domain, 80)}`,
      ),
    );
  }
  for (const item of input.imports.slice(0, LIST.imports)) blocks.push(...importBlocks(item));
  if (input.imports.length > LIST.imports)
    blocks.push(section(`_${andMore(input.imports.length - LIST.imports)}_`));
  blocks.push(...trackedCards(input.tracked));
  const first = input.imports[0];
  const text =
    input.imports.length === 1 && first
      ? `Import ${escapeMrkdwn(first.id)}: ${escapeMrkdwn(first.status)}`
      : `${input.imports.length} imports with ${escapeMrkdwn(input.domain ?? "that domain")}`;
  return { text, blocks };
}

function importBlocks(item: DomainImport): KnownBlock[] {
  const domains = [...new Set(item.nameserver_groups.flatMap((g) => g.domains))];
  const blocks: KnownBlock[] = [
    section(`*Import ${code(item.id, 80)}* is ${status(item.status)} · created ${date(item.created_at)}`),
  ];
  if (item.nameserver_groups.length > 0) {
    const { shown, rest } = takeWithRest(item.nameserver_groups, LIST.groups);
    const lines = shown.map(
      (g) =>
        `• ${g.nameservers
          .slice(0, 6)
          .map((n) => code(n, 80))
          .join(", ")} for ${domainList(g.domains)}`,
    );
    if (rest > 0) lines.push(`_${andMore(rest)} groups_`);
    blocks.push(
      listSection(
        `*Nameservers the customer must set* (${domains.length} domains)`,
        lines,
        `${code(`/peeker import ${item.id}`, 100)} shows this import alone`,
      ),
    );
  }
  const actions = resourceActions(item);
  if (actions.length > 0) blocks.push(section(["*Peeker is waiting on us*", ...actions].join("\n")));
  return blocks;
}

// ---- swap ----------------------------------------------------------------------------------------------------

export function renderSwapAnswer(input: { swap: Swap; tracked: CardModel[] }): Answer {
  const { swap } = input;
  const blocks: KnownBlock[] = [
    section(`*Swap ${code(swap.id, 80)}* is ${status(swap.status)}`),
    fields([
      ["Type", code(swap.type, 40)],
      ["Domain", code(swap.domain_id, 80)],
      ["Replacement", swap.replacement_domain ? code(swap.replacement_domain, 80) : "_none yet_"],
      ["Created", date(swap.created_at)],
    ]),
  ];
  const actions = resourceActions(swap);
  if (actions.length > 0) blocks.push(section(["*Peeker is waiting on us*", ...actions].join("\n")));
  blocks.push(...trackedCards(input.tracked));
  return { text: `Swap ${escapeMrkdwn(swap.id)}: ${escapeMrkdwn(swap.status)}`, blocks };
}

// ---- domain --------------------------------------------------------------------------------------------------

export function renderDomainAnswer(input: {
  name: string;
  domain: Domain | undefined;
  imports: DomainImport[];
  tracked: CardModel[];
}): Answer {
  const { domain } = input;
  const blocks: KnownBlock[] = [];
  if (domain) {
    blocks.push(
      section(`*Domain ${code(domain.domain, 80)}* (${code(domain.id, 60)}) is ${status(domain.status)}`),
    );
    const pairs: [string, string][] = [];
    if (domain.category) pairs.push(["Category", code(domain.category, 40)]);
    if (domain.provider) pairs.push(["Provider", code(domain.provider, 40)]);
    if (domain.order_id) pairs.push(["Order", code(domain.order_id, 60)]);
    if (domain.user_id) pairs.push(["Customer", code(domain.user_id, 60)]);
    if (domain.usable_for && domain.usable_for.length > 0)
      pairs.push(["Usable for", domain.usable_for.map((p) => code(p, 20)).join(", ")]);
    if (pairs.length > 0) blocks.push(fields(pairs));
    const actions = resourceActions(domain);
    if (actions.length > 0) blocks.push(section(["*Peeker is waiting on us*", ...actions].join("\n")));
  } else {
    blocks.push(section(`*Domain ${code(input.name, 80)}*: not in this account's domains; its imports:`));
  }
  if (input.imports.length > 0) {
    const lines = input.imports
      .slice(0, LIST.imports)
      .map((i) => `• Import ${code(i.id, 60)} is ${status(i.status)}`);
    if (input.imports.length > LIST.imports) lines.push(`_${andMore(input.imports.length - LIST.imports)}_`);
    blocks.push(section(["*Imports with this domain*", ...lines].join("\n")));
  }
  blocks.push(...trackedCards(input.tracked));
  return {
    text: `Domain ${escapeMrkdwn(input.name)}${domain ? `: ${escapeMrkdwn(domain.status)}` : ""}`,
    blocks,
  };
}

// ---- pending -------------------------------------------------------------------------------------------------

export function renderPendingAnswer(input: {
  now: Date;
  reason: string | undefined;
  byReason: ReasonCount[];
  items: QueueItem[];
  permalinks: ReadonlyMap<string, string>;
}): Answer {
  const total = input.byReason.reduce((sum, r) => sum + r.count, 0);
  const matching = input.reason ? (input.byReason.find((r) => r.reason === input.reason)?.count ?? 0) : total;
  const scope = input.reason ? ` for ${clip(reasonLabel(input.reason), 60)}` : "";
  if (matching === 0) {
    return {
      text: input.reason
        ? `Nothing is open for reason ${escapeMrkdwn(input.reason)}.`
        : "Nothing is waiting on us.",
      blocks: [
        section(
          input.reason
            ? `Nothing is open${scope} (\`${clip(input.reason, 60)}\`).`
            : ":white_check_mark: Nothing is waiting on us.",
        ),
      ],
    };
  }
  const counts = [...input.byReason]
    .sort((a, b) => b.count - a.count)
    .slice(0, 12)
    .map((r) => `• ${clip(reasonLabel(r.reason), 60)} (\`${clip(r.reason, 60)}\`): *${r.count}*`);
  const lines = input.items
    .slice(0, LIST.queue)
    .map((item) => itemLine(item, input.now, input.permalinks.get(item.id)));
  if (matching > lines.length) lines.push(`_${andMore(matching - lines.length)}, oldest shown first_`);
  return {
    text: `${matching} open${scope}`,
    blocks: [
      listSection(`*${total} open in all*`, counts, "`/peeker pending <reason>` for one reason"),
      listSection(`*Oldest${scope}*`, lines, "`/peeker pending <reason>` narrows the list"),
    ],
  };
}
