import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";
import { registerCardButtons } from "./card-buttons.js";
import { registerResolveButtons } from "./resolve-buttons.js";

/** Card buttons (block_actions): claim/unclaim/refresh and the three resolving flows. */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  registerCardButtons(app, deps);
  registerResolveButtons(app, deps);
}
