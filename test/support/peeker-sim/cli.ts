/**
 * `npm run peeker-sim`: the simulator as a standalone server with a small demo world, so the bot can be run
 * against it by hand. Port from `PEEKER_SIM_PORT` (default 4010).
 */

import { BASE_PATH, startPeekerSim } from "./server.js";
import { SIM_KEYS } from "./state.js";

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 4010;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PEEKER_SIM_PORT must be a port number, got "${raw}"`);
    process.exit(1);
  }
  return port;
}

const sim = await startPeekerSim({
  port: parsePort(process.env.PEEKER_SIM_PORT),
  onEvent: (event) => console.log(`event ${event.type} ${(event.data as { id?: string }).id ?? ""}`),
});
const { control } = sim;

// A customer whose order has a persona with a private picture, an import waiting for nameservers, and a
// domain that must be swapped: one card per reason.
const customer = control.seedUser({ email: "client@example.com", first_name: "Alex", last_name: "Rivera" });
const pictureOrder = control.seedOrder({
  user_id: customer.id,
  status: "action_required",
  forwarding_url: "https://acme.com",
  domains: ["acme-mail.com", "team-acme.com"],
  personas: [
    { first_name: "Alex", last_name: "Rivera", profile_picture_url: "https://cdn.acme.com/alex.jpg" },
    { first_name: "Sam", last_name: "Lee", profile_picture_url: "http://192.168.1.20/sam.jpg" },
  ],
});
const nameserverImport = control.seedImport({
  domains: ["acme-outreach.com", "acme-hello.com"],
  status: "action_required",
});
const swapOrder = control.seedOrder({
  user_id: customer.id,
  status: "in_progress",
  domains: [{ domain: "acme-ms.com", provider: "microsoft" }, "acme-team.com"],
});
const blockedDomain = swapOrder.domains[0];
if (blockedDomain) control.requireAction("domain", blockedDomain.id, { reason: "replace_domain" });
control.setRegistry("acme-taken.com", { status: "taken" });
control.setRegistry("acme-premium.com", { status: "premium" });

const shownKey = SIM_KEYS.full;
console.log(`Peeker simulator listening on ${sim.url}

Point the bot at it:
  PEEKER_API_URL=${sim.url} PEEKER_API_KEY=${shownKey}

Other keys: read-only ${SIM_KEYS.read}, limited ${SIM_KEYS.limited}, another partner ${SIM_KEYS.otherPartner}

Demo data:
  customer ${customer.id} (${customer.email})
  order ${pictureOrder.order.id}: action_required, profile_picture_not_accessible (${pictureOrder.actions.map((a) => a.id).join(", ")})
  import ${nameserverImport.id}: action_required, update_nameservers (${nameserverImport.domains.join(", ")})
  domain ${blockedDomain?.id} (${blockedDomain?.domain}): action_required, replace_domain
  registry: acme-taken.com is taken, acme-premium.com is premium

Control API (${sim.origin}/_control, not under ${BASE_PATH}):
  POST /_control/{orders|domains|imports|swaps}/{id}/action_required|resolve|complete|fail
  POST /_control/orders/{id}/cancel   then   POST /_control/orders/{id}/cancelled
  POST /_control/users|bundles|orders|domains|imports|swaps   (seed)     POST /_control/registry
  POST /_control/faults {"route":"GET /orders/{id}","times":2,"fault":{"kind":"error","status":503}}
  DELETE /_control/faults    PUT /_control/rate_limit {"limit":10,"windowMs":60000}
  GET /_control/requests    GET /_control/events    GET /_control/state    POST /_control/reset
e.g. curl -X POST ${sim.origin}/_control/orders/${pictureOrder.order.id}/resolve
`);

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
