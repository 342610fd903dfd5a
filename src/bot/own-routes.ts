import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * Our custom routes, dispatched before Bolt's router. Bolt 5.1 parses every request's URL and compiles each custom
 * route's path-to-regexp matcher again on every request, trying them in order; under a webhook burst that was a
 * measurable share of the intake's time (bench/README.md, "Intake profile"). A request whose method and exact path
 * name one of our routes goes straight to it; anything else (Slack's endpoint, a trailing slash, another case, an
 * unknown path) still goes to Bolt, which answers it as before (its custom routes stay registered).
 */

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface OwnRoute {
  path: string;
  method: string;
  handler: Listener;
}

export function ownRoutesFirst(routes: readonly OwnRoute[], bolt: Listener): Listener {
  const table = new Map(routes.map((route) => [`${route.method} ${route.path}`, route.handler]));
  return (req, res) => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = table.get(`${req.method} ${query === -1 ? url : url.slice(0, query)}`);
    if (handler) handler(req, res);
    else bolt(req, res);
  };
}

/** Socket Mode: the custom routes' HTTP server is Bolt's own; its request listener is put behind ours. */
export function putOwnRoutesFirstOn(server: Server, routes: readonly OwnRoute[]): void {
  const [bolt, ...others] = server.listeners("request") as Listener[];
  if (!bolt || others.length > 0) return;
  server.removeListener("request", bolt);
  server.on("request", ownRoutesFirst(routes, bolt));
}
