import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type AuthorizeResult, HTTPReceiver } from "@slack/bolt";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { boltLogger } from "./bolt-logger.js";
import { safeRoute } from "./http.js";
import { ownRoutesFirst, putOwnRoutesFirstOn } from "./own-routes.js";
import { INTERACTIVE_CLIENT_OPTIONS, type SlackAuth } from "./slack-clients.js";

export interface Route {
  path: string;
  method: "GET" | "POST";
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export interface SlackAppOptions {
  config: Config;
  logger: Logger;
  routes: Route[];
  /** `auth.test` for the bot token (src/bot/slack-clients.ts). */
  auth: SlackAuth;
}

/**
 * The Bolt app on one port: `/slack/events` for Slack, custom routes for the rest. Bolt 5 runs `auth.test`
 * once at construction and caches a failure until restart (design §10), so `authorize` does it lazily and
 * caches only a success.
 */
export function createSlackApp({ config, logger, routes, auth }: SlackAppOptions): App {
  let cached: AuthorizeResult | undefined;
  let pending: Promise<AuthorizeResult> | undefined;
  const authorize = async (): Promise<AuthorizeResult> => {
    if (cached) return cached;
    pending ??= auth
      .test()
      .then((result) => {
        cached = {
          botToken: config.slack.botToken,
          botId: result.bot_id,
          botUserId: result.user_id,
          teamId: result.team_id,
        };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const handled = routes.map((route) => ({ ...route, handler: safeRoute(route.handler, logger) }));
  const customRoutes = handled.map((route) => ({ ...route, method: [route.method] }));
  const common = {
    authorize,
    logger: boltLogger(logger),
    clientOptions: { slackApiUrl: config.slack.apiUrl, ...INTERACTIVE_CLIENT_OPTIONS },
  };
  if (config.slack.appToken) {
    // Socket Mode: Slack traffic over a WebSocket; custom routes listen on installerOptions.port (design §10).
    const app = new App({
      ...common,
      customRoutes,
      socketMode: true,
      appToken: config.slack.appToken,
      installerOptions: { port: config.port },
    });
    const server = (app as unknown as { receiver?: { httpServer?: Server } }).receiver?.httpServer;
    if (server) putOwnRoutesFirstOn(server, handled);
    return app;
  }
  const receiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? "",
    port: config.port,
    customRoutes,
    processBeforeResponse: false,
    logger: common.logger,
    // Bolt answers a request nobody acked within 3 s by itself (an empty 404). Submits and commands ack within
    // SLACK_ANSWER_WINDOW_MS, which tests raise past 3 s: Bolt's own timer must not cut in before it.
    unhandledRequestTimeoutMillis: Math.max(3001, config.slack.answerWindowMs + 1000),
  });
  // Read by Bolt's server on every request (a public field of HTTPReceiver), so ours answer first.
  receiver.requestListener = ownRoutesFirst(handled, receiver.requestListener);
  return new App({ ...common, receiver });
}

/**
 * The port Socket Mode's side HTTP server (custom routes: webhooks, health) bound. Bolt keeps that server on its
 * receiver without exposing it, and does not await its `listen`, so PORT=0 would otherwise leave us guessing.
 */
export async function socketModeHttpPort(app: App): Promise<number | undefined> {
  const server = (app as unknown as { receiver?: { httpServer?: Server } }).receiver?.httpServer;
  if (!server) return undefined;
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return (server.address() as AddressInfo | null)?.port;
}
