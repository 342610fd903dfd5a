import type { App } from "@slack/bolt";
import { registerCommandListeners } from "./commands/index.js";
import type { ListenerDeps } from "./deps.js";

/** Registers every surface's listeners (style §10): one folder per surface, thin listeners. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommandListeners(app, deps);
}
