import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSlackApp, type Route, socketModeHttpPort } from "../bot/app.js";
import { type Drain, drainMiddleware } from "../bot/drain.js";
import type { ListenerDeps } from "../bot/listeners/deps.js";
import { registerListeners } from "../bot/listeners/index.js";
import type { SlackAuth } from "../bot/slack-clients.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { FlowDeps } from "../pending/flow-deps.js";
import { createOperatorCheck } from "../pending/permissions.js";
import type { Component } from "./components.js";

/** The Bolt app on the bot's port (Slack's endpoint and our routes), with its listeners and the drain. */

export interface SlackAppDeps {
  config: Config;
  logger: Logger;
  routes: Route[];
  auth: SlackAuth;
  drain: Drain;
  /** Every listener dependency except the flows' operator check, which needs the app's own client. */
  listeners: Omit<ListenerDeps, "flows"> & { flows: Omit<FlowDeps, "isOperator"> };
}

/** The component binds the port on start (resolving to it) and stops the app, refusing new requests. */
export function slackAppComponent(deps: SlackAppDeps): Component<number> {
  const { config, logger, drain } = deps;
  const app = createSlackApp({ config, logger, routes: deps.routes, auth: deps.auth });
  // First of all middleware: interactive work is tracked for the drain, and refused in words once it began.
  app.use(drainMiddleware(drain, logger.child({ component: "drain" })));
  const isOperator = createOperatorCheck({
    operators: config.slack.operators,
    listGroupMembers: async (usergroup) =>
      (await app.client.usergroups.users.list({ token: config.slack.botToken, usergroup })).users ?? [],
    now: () => deps.listeners.clock.now().getTime(),
    onError: (group, error) => logger.warn({ group, err: error }, "could not expand a user group"),
  });
  registerListeners(app, { ...deps.listeners, flows: { ...deps.listeners.flows, isOperator } });
  return {
    name: "slack app",
    async start() {
      if (config.slack.appToken) {
        await app.start();
        // In Socket Mode the custom routes listen on installerOptions.port (design §10); PORT=0 picks a free one.
        return (await socketModeHttpPort(app)) ?? config.port;
      }
      // Node's defaults (60 s headers, 300 s request) let slow clients pin sockets; Slack and Peeker send fast.
      const server = (await app.start(config.port, {
        headersTimeout: 10_000,
        requestTimeout: 15_000,
      })) as Server;
      return (server.address() as AddressInfo).port;
    },
    async stop() {
      await app.stop().catch((error: Error) => logger.warn({ err: error }, "app stop"));
    },
  };
}

/**
 * The drain (src/bot/drain.ts), stopped first: /readyz says 503 and new interactions are refused in words, while
 * the interactive work already answered "Working…" finishes, bounded by SHUTDOWN_DRAIN_SECONDS.
 */
export function drainComponent(drain: Drain, config: Config, logger: Logger): Component {
  return {
    name: "drain",
    start() {},
    async stop() {
      drain.begin();
      const unfinished = await drain.settled(config.shutdownDrainSeconds * 1000);
      if (unfinished > 0)
        logger.warn(
          { unfinished, drainSeconds: config.shutdownDrainSeconds },
          "interactive work still running when the drain ended; stopping anyway",
        );
    },
  };
}
