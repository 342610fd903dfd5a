import type { App } from "@slack/bolt";
import type { ListenerDeps } from "../deps.js";
import { registerAppHomeListeners } from "./app-home.js";

/** Slack events (Events API) and the App Home surface. */
export function registerEventListeners(app: App, deps: ListenerDeps): void {
  registerAppHomeListeners(app, deps);
}
