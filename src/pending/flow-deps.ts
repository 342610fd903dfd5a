import type { LinkDeps } from "./customer-links.js";
import type { OperatorGateDeps } from "./permissions.js";
import type { ResolveDeps } from "./resolution.js";
import type { ReorderDeps } from "./resolve-reorder.js";

/**
 * What the domain's interactive flows need, in one object built by the composition root: the resolving flows
 * and card buttons (ResolveDeps, ReorderDeps), the operator gate of commands that trigger work, and
 * `/peeker link`. Slack listeners hand it to those functions unchanged and never reach inside it.
 */
export type FlowDeps = ResolveDeps & ReorderDeps & OperatorGateDeps & LinkDeps;
