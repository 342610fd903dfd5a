import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTION_IDS } from "../../action-ids.js";
import type { ListenerDeps } from "../deps.js";

/**
 * The App Home tab: published when a user opens it (Bolt acks the event itself) and on its *Refresh* button;
 * the home service then keeps it fresh while the user is a recent viewer.
 */
export function registerAppHomeListeners(app: App, deps: ListenerDeps): void {
  const publish = async (userId: string) => {
    try {
      await deps.visibility.home.opened(userId);
    } catch (error) {
      deps.logger.warn(
        { err: { message: (error as Error).message }, userId },
        "could not publish the App Home",
      );
    }
  };
  app.event("app_home_opened", async ({ event }) => {
    // The Messages tab sends the same event; only the Home tab has anything to show.
    if (event.tab !== "home") return;
    await publish(event.user);
  });
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.homeRefresh, async ({ ack, body }) => {
    await ack();
    await publish(body.user.id);
  });
}
