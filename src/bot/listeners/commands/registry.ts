import type { Subcommand } from "./types.js";

/**
 * Every `/peeker` subcommand, by name. Each lives in its own file beside this one; add new ones here.
 * (Filled in by the resolution-flow and visibility work: order, pending, import, swap, domain, history, link,
 * status, digest, reconcile.)
 */
export const SUBCOMMANDS: Record<string, Subcommand> = {};
