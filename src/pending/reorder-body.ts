import type { CreateOrderBody, Order } from "../peeker/types.js";
import type { FieldProblem } from "./outcomes.js";
import type { PeekerReader } from "./reread.js";
import { INTERACTIVE, type ResolveDeps } from "./resolution.js";
import type { ReorderBody, SequencerLogin } from "./slack-details.js";

/**
 * What a corrected order is made of (design §3 "Reorder and cancellation"): the body, copied from the original,
 * and the sequencer login, which is never stored. Its own file because both the submit
 * (src/pending/resolve-reorder.ts) and a queued reorder placed later (src/pending/place-queued-reorder.ts)
 * assemble the same body and login the same way.
 */

/** The sequencer login as the modal gave it: a field the modal did not ask for is undefined. */
export interface TypedLogin {
  email?: string | undefined;
  password?: string | undefined;
}

/** The login a corrected order is sent with, whether a person typed part of it, and what the form lacks. */
export interface LoginChoice {
  value: SequencerLogin;
  typed: boolean;
  problems: FieldProblem[];
}

/** The corrected order: everything as in the original, the fixed URLs, the sequencer without its login. */
export async function buildReorderBody(
  reader: PeekerReader,
  deps: Pick<ResolveDeps, "peeker">,
  orderId: string,
  urls: Map<number, string>,
): Promise<ReorderBody> {
  const order: Order = (await reader.getOrder(orderId)).data;
  for (const index of urls.keys()) {
    if (!order.personas[index]) throw new Error(`Order ${orderId} has no persona number ${index + 1}`);
  }
  let sequencer = order.sequencer ?? undefined;
  if (!sequencer)
    sequencer = (await deps.peeker.getUser(order.user_id, INTERACTIVE)).data.sequencer ?? undefined;
  if (!sequencer) throw new Error(`Neither order ${orderId} nor its customer names a sequencer`);
  const clientId = Number(sequencer.client_id);
  if (!Number.isInteger(clientId))
    throw new Error(`The sequencer client id of order ${orderId} is not a number`);

  const body: ReorderBody = {
    user: order.user_id,
    domains: order.domains.map((d) =>
      d.forwarding_url && d.forwarding_url !== order.forwarding_url
        ? { domain: d.domain, forwarding_url: d.forwarding_url }
        : d.domain,
    ),
    personas: order.personas.map((p, i) => ({
      first_name: p.first_name,
      last_name: p.last_name,
      profile_picture_url: urls.get(i) ?? p.profile_picture_url ?? "",
    })),
    sequencer: { provider: sequencer.provider, client_id: clientId },
  };
  if (order.bundle_id) {
    body.bundle_id = order.bundle_id;
  } else {
    if (typeof order.google_licenses === "number") body.google_licenses = order.google_licenses;
    if (typeof order.microsoft_licenses === "number") body.microsoft_licenses = order.microsoft_licenses;
    if (order.google_inboxes_per_domain === 2 || order.google_inboxes_per_domain === 3) {
      body.google_inboxes_per_domain = order.google_inboxes_per_domain;
    }
  }
  if (order.forwarding_url) body.forwarding_url = order.forwarding_url;
  return body;
}

/** The body Peeker takes: the stored one plus the login, assembled at the last moment and never kept. */
export function withLogin(body: ReorderBody, login: SequencerLogin): CreateOrderBody {
  return {
    ...body,
    sequencer: { ...body.sequencer, login_email: login.email, login_password: login.password },
  } as CreateOrderBody;
}

/** The login to send: configuration first, the modal for what configuration lacks. */
export function loginFor(configured: Partial<SequencerLogin>, typed: TypedLogin): LoginChoice {
  const email = configured.email ?? typed.email?.trim() ?? "";
  const password = configured.password ?? typed.password ?? "";
  const problems: FieldProblem[] = [];
  if (!configured.email) {
    if (email === "") problems.push({ field: "sequencerEmail", problem: { kind: "required" } });
    else if (!/^[^\s@]+@[^\s@]+$/.test(email))
      problems.push({ field: "sequencerEmail", problem: { kind: "not_an_email" } });
  }
  if (!configured.password && password === "") {
    problems.push({ field: "sequencerPassword", problem: { kind: "required" } });
  }
  return { value: { email, password }, typed: !configured.email || !configured.password, problems };
}
