/**
 * Every id Slack sends back to us, in one place, so a button cannot drift from its handler and routing stays
 * greppable. Ids are namespaced `peeker:` so they never collide with another app's payloads in shared tests.
 *
 * Terminology: an *action id* names an interactive element (Slack sends `block_actions`); a *view callback id*
 * names a modal (Slack sends `view_submission`); a *block id* names a modal input block — field errors from
 * `response_action: "errors"` are keyed by it, so it is short and stable rather than namespaced.
 */

export const ACTION_IDS = {
  cardClaim: "peeker:card:claim",
  cardUnclaim: "peeker:card:unclaim",
  cardRefresh: "peeker:card:refresh",
  nameserversOpen: "peeker:nameservers:open",
  swapOpen: "peeker:swap:open",
  reorderOpen: "peeker:reorder:open",
  // A queued reorder whose sequencer password was typed in the modal asks for it again on the card (design §3).
  reorderCredentialsOpen: "peeker:reorder:credentials:open",
  share: "peeker:share",
  statusRetryEvent: "peeker:status:retry_event",
  homeRefresh: "peeker:home:refresh",
  // Link buttons still send `block_actions`; one id lets a listener ack them all.
  openLink: "peeker:link:open",
} as const;

export const VIEW_CALLBACK_IDS = {
  nameserversSubmit: "peeker:nameservers:submit",
  swapSubmit: "peeker:swap:submit",
  reorderSubmit: "peeker:reorder:submit",
  reorderCredentialsSubmit: "peeker:reorder:credentials:submit",
  // The "Loading…" / "Working…" placeholder shown while Peeker answers; it has no submit.
  loading: "peeker:loading",
} as const;

/** Action ids of the input elements inside modal input blocks (read from `view.state.values[block][action]`). */
export const INPUT_ACTION_IDS = {
  replacementDomain: "peeker:input:replacement_domain",
  swapType: "peeker:input:swap_type",
  pictureUrl: "peeker:input:picture_url",
  pictureUrls: "peeker:input:picture_urls",
  cancelOriginal: "peeker:input:cancel_original",
  sendTo: "peeker:input:send_to",
  message: "peeker:input:message",
  sequencerEmail: "peeker:input:sequencer_email",
  sequencerPassword: "peeker:input:sequencer_password",
} as const;

export const BLOCK_IDS = {
  replacementDomain: "replacement_domain",
  swapType: "swap_type",
  cancelOriginal: "cancel_original",
  sendTo: "send_to",
  message: "message",
  sequencerEmail: "sequencer_email",
  sequencerPassword: "sequencer_password",
} as const;

const PICTURE_URL_PREFIX = "picture_url:";

/** One input block per failing persona; the index is the persona's position in the original order. */
export function pictureUrlBlockId(index: number): string {
  return `${PICTURE_URL_PREFIX}${index}`;
}

export function parsePictureUrlBlockId(blockId: string): number | undefined {
  if (!blockId.startsWith(PICTURE_URL_PREFIX)) return undefined;
  const rest = blockId.slice(PICTURE_URL_PREFIX.length);
  if (!/^\d{1,4}$/.test(rest)) return undefined;
  return Number(rest);
}

export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];
export type ViewCallbackId = (typeof VIEW_CALLBACK_IDS)[keyof typeof VIEW_CALLBACK_IDS];
export type InputActionId = (typeof INPUT_ACTION_IDS)[keyof typeof INPUT_ACTION_IDS];
export type BlockId = (typeof BLOCK_IDS)[keyof typeof BLOCK_IDS];

export const ALL_ACTION_IDS: readonly ActionId[] = Object.values(ACTION_IDS);
export const ALL_VIEW_CALLBACK_IDS: readonly ViewCallbackId[] = Object.values(VIEW_CALLBACK_IDS);
export const ALL_INPUT_ACTION_IDS: readonly InputActionId[] = Object.values(INPUT_ACTION_IDS);

/** Every id Slack can route back to a listener, for a test that walks them all. */
export const ALL_ROUTED_IDS: readonly string[] = [
  ...ALL_ACTION_IDS,
  ...ALL_VIEW_CALLBACK_IDS,
  ...ALL_INPUT_ACTION_IDS,
];

export function isActionId(value: string): value is ActionId {
  return (ALL_ACTION_IDS as readonly string[]).includes(value);
}

export function isViewCallbackId(value: string): value is ViewCallbackId {
  return (ALL_VIEW_CALLBACK_IDS as readonly string[]).includes(value);
}
