import { clip, escapeMrkdwn as esc, mention } from "../mrkdwn.js";
import type { PictureCheckFailure } from "../net/picture-url-check.js";
import { PeekerError } from "../peeker/errors.js";
import type { Problem, Refusal } from "../pending/outcomes.js";

/**
 * One place that turns an error into a sentence for Slack (style §6): the Peeker code in words, with the request
 * id when Peeker gave one, and never a stack trace or a secret. The words are mrkdwn (they go into modal
 * sections, ephemerals and slash answers): every piece Peeker or a person wrote is escaped (../mrkdwn.ts).
 */
export function errorInWords(error: unknown): string {
  if (error instanceof PeekerError) {
    const request = error.requestId ? ` (Peeker request ${clip(error.requestId, 80)})` : "";
    return `${peekerProblem(error)}${request}`;
  }
  const slackCode = (error as { data?: { error?: unknown } })?.data?.error;
  if (typeof slackCode === "string") return slackProblem(slackCode);
  const message = (error as Error)?.message;
  // Our own errors carry plain sentences; anything longer is probably a dump, so it is cut.
  return typeof message === "string" && message.length > 0
    ? `Something went wrong: ${clip(message, 200)}`
    : "Something went wrong; the bot's logs have the details.";
}

function peekerProblem(error: PeekerError): string {
  switch (error.code) {
    case "unauthorized":
      return "Peeker refused the bot's API key (revoked or mistyped?): `npm run doctor` checks it";
    case "forbidden":
      return "The bot's Peeker key is not allowed to do that (its permission preset is too narrow)";
    case "not_found":
      return "Peeker has no such record in this account";
    case "rate_limited":
      return `Peeker is rate-limiting the bot; try again in ${error.retryAfterSeconds ?? "a few"} seconds`;
    case "timeout":
      return "Peeker did not answer in time; try again in a moment";
    case "network_error":
      return "Peeker could not be reached; try again in a moment";
    case "bad_response":
      return "Peeker answered something the bot could not read";
    case "invalid_request":
      return `Peeker refused the request${error.field ? ` (${clip(error.field, 60)})` : ""}: ${clip(error.message, 200)}`;
    default:
      return error.status !== undefined && error.status >= 500
        ? "Peeker had an internal error; try again in a moment"
        : `Peeker answered ${clip(error.code, 60)}: ${clip(error.message, 200)}`;
  }
}

// ---- Resolution flows (issue #5): refusals, field problems and picture checks in words ----

/** Why a click or submit did nothing, for the ephemeral reply (design §3 "What users read"). */
export function refusalInWords(refusal: Refusal): string {
  switch (refusal.kind) {
    case "not_operator":
      return "Only Peeker operators can claim or resolve cards (SLACK_OPERATORS). Ask an admin to add you.";
    case "not_found":
      return "The bot no longer knows this card.";
    case "claimed":
      return `Already claimed by ${mention(refusal.by)}.`;
    case "resolving":
      return `Already being resolved by ${mention(refusal.by)}${refusal.note ? ` (${clip(refusal.note, 200)})` : ""}.`;
    case "resolved":
      return `This card is already resolved${refusal.how ? `: ${clip(refusal.how, 200)}` : ""}.`;
    case "no_longer_pending":
      return `Peeker no longer lists this action${refusal.how ? ` (${clip(refusal.how, 200)})` : ""}, so nothing was sent. The card is up to date now.`;
    case "wrong_reason":
      return `This button does not fit this card (reason \`${clip(refusal.reason, 60)}\`).`;
    case "not_claimed":
      return "Nobody has claimed this card.";
    case "nothing_queued":
      return "This card has no corrected order waiting for a sequencer login.";
  }
}

/** One modal input's problem, shown under the field (`response_action: "errors"`). */
export function problemInWords(problem: Problem): string {
  switch (problem.kind) {
    case "required":
      return "Please fill this in.";
    case "not_a_domain":
      return `"${clip(problem.value, 80)}" is not a domain name such as acme-fresh.com.`;
    case "same_domain":
      return "The replacement must differ from the domain it replaces.";
    case "premium_needs_microsoft":
      return `Premium swaps are for Microsoft domains only; this domain is ${clip(problem.provider, 40)}.`;
    case "unavailable":
      return problem.reason === "premium"
        ? `${clip(problem.domain, 253)} is a premium domain; Peeker cannot order premium domains. Pick another.`
        : `Peeker says ${clip(problem.domain, 253)} is not a valid domain name.`;
    case "not_usable":
      return `${clip(problem.domain, 253)} cannot host ${clip(problem.provider, 40)} inboxes (usable for ${clip(problem.usableFor.join(", "), 200) || "nothing"}). Pick another.`;
    case "needs_cancel":
      return `${problem.domains.length > 0 ? clip(problem.domains.join(", "), 600) : "The domains"} are still on ${clip(problem.orderId, 80)}. Tick "Cancel the original order first" to cancel it; the corrected order is then placed once it is cancelled.`;
    case "not_an_email":
      return "That is not an email address.";
    case "no_customer_channel":
      return "No channel is linked to this customer: send it to the card thread, or link one with `/peeker link`.";
    case "picture":
      return `${pictureFailureInWords(problem.failure)}`;
    case "peeker":
      return peekerFieldProblem(problem.error);
  }
}

function peekerFieldProblem(error: PeekerError): string {
  const request = error.requestId ? ` (Peeker request ${clip(error.requestId, 80)})` : "";
  const domain = typeof error.details?.domain === "string" ? clip(error.details.domain, 253) : "This domain";
  switch (error.code) {
    case "domain_not_imported":
      return `${domain} is registered elsewhere and not imported for this customer: import it first, or pick another${request}.`;
    case "premium_domain_not_supported":
      return error.field === "type"
        ? `Peeker offers premium swaps for Microsoft domains only${request}.`
        : `${domain} is a premium domain; Peeker cannot use it${request}.`;
    case "domain_not_usable_for_provider":
      return `${domain} cannot host ${typeof error.details?.provider === "string" ? clip(error.details.provider, 40) : "this provider's"} inboxes${request}.`;
    case "domain_already_in_active_order":
      return `${domain} is on another active order${request}.`;
    default:
      return errorInWords(error);
  }
}

/** What was wrong with a picture URL, naming the problem (design §7). */
export function pictureFailureInWords(failure: PictureCheckFailure): string {
  switch (failure.kind) {
    case "not_a_url":
      return "This is not a URL.";
    case "not_https":
      return `Only https:// URLs are accepted (this one is ${clip(failure.scheme, 20)}:).`;
    case "userinfo":
      return "The URL must not contain a user name or password.";
    case "port":
      return `The URL must use the standard https port, not ${clip(String(failure.port), 10)}.`;
    case "local_name":
      return `${clip(failure.host, 253)} is a local name, not a public host.`;
    case "unresolvable":
      return `${clip(failure.host, 253)} does not resolve to any address.`;
    case "blocked_address":
      return `${failure.redirected ? "The URL redirects to" : "The host resolves to"} ${clip(failure.address, 60)}, a ${clip(failure.why, 40)} address; the picture must be on a public host.`;
    case "too_many_redirects":
      return `The URL redirects more than ${failure.max} times.`;
    case "bad_redirect":
      return "The URL redirects somewhere unreadable.";
    case "status":
      return `The URL answered HTTP ${failure.status}, not 200.`;
    case "not_image":
      return `The URL is not an image (${failure.contentType ? clip(failure.contentType, 60) : "no content type"}).`;
    case "too_large":
      return `The picture is larger than ${Math.round(failure.maxBytes / 1024 / 1024)} MB.`;
    case "timeout":
      return `The URL did not answer within ${failure.ms / 1000} s.`;
    case "connection_failed":
      return `The bot could not fetch the URL: ${clip(failure.message, 120)}`;
  }
}

export function slackProblem(code: string): string {
  switch (code) {
    case "not_in_channel":
      return "The bot is not in that channel: invite it (`/invite @peeker`) and try again";
    case "channel_not_found":
      return "Slack does not know that channel (archived, or private without the bot?)";
    case "is_archived":
      return "That channel is archived";
    default:
      return `Slack answered ${esc(code.slice(0, 60))}`;
  }
}
