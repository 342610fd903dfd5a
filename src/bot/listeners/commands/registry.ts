import { digestSubcommand } from "./digest.js";
import { domainSubcommand } from "./domain.js";
import { helpSubcommand } from "./help.js";
import { historySubcommand } from "./history.js";
import { importSubcommand } from "./import.js";
import { linkSubcommand } from "./link.js";
import { orderSubcommand } from "./order.js";
import { pendingSubcommand } from "./pending.js";
import { reconcileSubcommand } from "./reconcile.js";
import { statusSubcommand } from "./status.js";
import { swapSubcommand } from "./swap.js";
import type { Subcommand } from "./types.js";

/**
 * Every `/peeker` subcommand, by name. Each lives in its own file beside this one; add new ones here.
 * (Filled in by the resolution-flow and visibility work: order, pending, import, swap, domain, history, link,
 * status, digest, reconcile.)
 */
export const SUBCOMMANDS: Record<string, Subcommand> = {
  order: orderSubcommand,
  pending: pendingSubcommand,
  import: importSubcommand,
  swap: swapSubcommand,
  domain: domainSubcommand,
  history: historySubcommand,
  link: linkSubcommand,
  status: statusSubcommand,
  digest: digestSubcommand,
  reconcile: reconcileSubcommand,
  help: helpSubcommand(() => SUBCOMMANDS),
};
