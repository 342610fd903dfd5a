import type { App } from "@slack/bolt";
import { VIEW_CALLBACK_IDS } from "../../action-ids.js";
import type { ListenerDeps } from "../deps.js";
import { registerNameserversSubmit } from "./submit-nameservers.js";
import { registerReorderSubmits } from "./submit-reorder.js";
import { registerSwapSubmit } from "./submit-swap.js";

/** Modal submits (view_submission): one per resolving flow. */
export function registerViewListeners(app: App, deps: ListenerDeps): void {
  registerNameserversSubmit(app, deps);
  registerSwapSubmit(app, deps);
  registerReorderSubmits(app, deps);
  // The loading/working/outcome views have no submit button; a submission naming them only needs closing.
  app.view(VIEW_CALLBACK_IDS.loading, async ({ ack }) => {
    await ack();
  });
}
