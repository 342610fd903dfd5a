import type { App } from "@slack/bolt";
import { registerActionListeners } from "./actions/index.js";
import { registerCommandListeners } from "./commands/index.js";
import type { ListenerDeps } from "./deps.js";
import { registerEventListeners } from "./events/index.js";
import { registerViewListeners } from "./views/index.js";

/** Registers every surface's listeners (style §10): one folder per surface, thin listeners. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommandListeners(app, deps);
  registerEventListeners(app, deps);
  registerActionListeners(app, deps);
  registerViewListeners(app, deps);
}
