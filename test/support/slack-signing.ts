/**
 * Requests to the bot's `/slack/events`, built and signed exactly as Slack sends them (reference/slack-platform.md
 * §6): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`. Builders take overrides so a test states only what
 * it is about.
 */
import { createHmac } from "node:crypto";

export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
export const JSON_CONTENT_TYPE = "application/json";

/** Defaults shared by every builder; override per payload. */
export const SLACK_DEFAULTS = {
  teamId: "T0FAKE",
  teamDomain: "fake",
  appId: "A0FAKE",
  botUserId: "U0BOT",
  userId: "U0OPERATOR",
  userName: "operator",
  channelId: "C0SUPPORT",
  channelName: "support",
  // An unreachable response URL fails fast; tests that expect a reply pass fake.responseUrl(…).
  responseUrl: "http://127.0.0.1:1/hooks/unset",
} as const;

let triggerSeq = 0;

/** A fresh trigger id per payload: the fake, like Slack, lets a trigger open one modal only. */
export function nextTriggerId(): string {
  triggerSeq += 1;
  return `${Date.now()}.${triggerSeq}.faketrigger`;
}

export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

export function signedHeaders(
  signingSecret: string,
  rawBody: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    "X-Slack-Signature": slackSignature(signingSecret, timestamp, rawBody),
    "X-Slack-Request-Timestamp": String(timestamp),
  };
}

export interface SlackRequestBody {
  body: string;
  contentType: typeof FORM_CONTENT_TYPE | typeof JSON_CONTENT_TYPE;
}

// ---- slash commands ----------------------------------------------------------------------------------------------

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

export function buildSlashCommand(overrides: Partial<SlashCommandFields> = {}): SlashCommandFields {
  return {
    token: "deprecated-verification-token",
    team_id: SLACK_DEFAULTS.teamId,
    team_domain: SLACK_DEFAULTS.teamDomain,
    channel_id: SLACK_DEFAULTS.channelId,
    channel_name: SLACK_DEFAULTS.channelName,
    user_id: SLACK_DEFAULTS.userId,
    user_name: SLACK_DEFAULTS.userName,
    command: "/peeker",
    text: "help",
    api_app_id: SLACK_DEFAULTS.appId,
    is_enterprise_install: "false",
    response_url: SLACK_DEFAULTS.responseUrl,
    trigger_id: nextTriggerId(),
    ...overrides,
  };
}

export function slashCommandBody(overrides: Partial<SlashCommandFields> = {}): SlackRequestBody {
  const fields = buildSlashCommand(overrides);
  return { body: new URLSearchParams(Object.entries(fields)).toString(), contentType: FORM_CONTENT_TYPE };
}

// ---- interactivity -----------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

export interface BlockActionsOptions {
  actionId: string;
  value?: string;
  blockId?: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  /** ts of the card the button sits on. */
  messageTs?: string;
  /** The message as Slack echoes it (blocks, metadata); a minimal one by default. */
  message?: Json;
  /** Pressed inside a modal rather than on a message. */
  view?: Json;
  triggerId?: string;
  responseUrl?: string;
  /** Element type; "button" by default. */
  elementType?: string;
  /** Extra fields of the action (selected_option, …). */
  action?: Json;
  /** Shallow overrides of the whole payload. */
  overrides?: Json;
}

export function buildBlockActions(options: BlockActionsOptions): Json {
  const userId = options.userId ?? SLACK_DEFAULTS.userId;
  const channelId = options.channelId ?? SLACK_DEFAULTS.channelId;
  const messageTs = options.messageTs ?? "1700000000.000100";
  const actionTs = `${Math.floor(Date.now() / 1000)}.000200`;
  const action: Json = {
    type: options.elementType ?? "button",
    action_id: options.actionId,
    block_id: options.blockId ?? "actions",
    action_ts: actionTs,
    ...(options.value !== undefined ? { value: options.value } : {}),
    ...(options.elementType === undefined || options.elementType === "button"
      ? { text: { type: "plain_text", text: "Button", emoji: true } }
      : {}),
    ...options.action,
  };
  const inView = options.view !== undefined;
  const payload: Json = {
    type: "block_actions",
    user: {
      id: userId,
      username: options.userName ?? SLACK_DEFAULTS.userName,
      name: options.userName ?? SLACK_DEFAULTS.userName,
      team_id: SLACK_DEFAULTS.teamId,
    },
    api_app_id: SLACK_DEFAULTS.appId,
    token: "deprecated-verification-token",
    container: inView
      ? { type: "view", view_id: options.view?.id ?? "V00000001" }
      : { type: "message", message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: options.triggerId ?? nextTriggerId(),
    team: { id: SLACK_DEFAULTS.teamId, domain: SLACK_DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    state: { values: {} },
    actions: [action],
    ...(inView
      ? { view: options.view }
      : {
          channel: { id: channelId, name: SLACK_DEFAULTS.channelName },
          message: options.message ?? {
            type: "message",
            user: SLACK_DEFAULTS.botUserId,
            ts: messageTs,
            text: "card",
            blocks: [],
          },
          response_url: options.responseUrl ?? SLACK_DEFAULTS.responseUrl,
        }),
    ...options.overrides,
  };
  return payload;
}

/** `view.state.values` entries for the common input elements. */
export const inputValue = {
  text: (value: string | null): Json => ({ type: "plain_text_input", value }),
  radio: (value: string | null): Json => ({
    type: "radio_buttons",
    selected_option: value === null ? null : { value, text: { type: "plain_text", text: value } },
  }),
  select: (value: string | null): Json => ({
    type: "static_select",
    selected_option: value === null ? null : { value, text: { type: "plain_text", text: value } },
  }),
  checkboxes: (values: string[]): Json => ({
    type: "checkboxes",
    selected_options: values.map((value) => ({ value, text: { type: "plain_text", text: value } })),
  }),
  conversation: (channel: string | null): Json => ({
    type: "conversations_select",
    selected_conversation: channel,
  }),
};

export interface ViewSubmissionOptions {
  callbackId: string;
  privateMetadata?: string;
  /** `{ [block_id]: { [action_id]: inputValue.text("…") } }` */
  values?: Record<string, Record<string, Json>>;
  userId?: string;
  viewId?: string;
  hash?: string;
  triggerId?: string;
  /** Shallow overrides of `view`. */
  view?: Json;
  /** Shallow overrides of the whole payload. */
  overrides?: Json;
}

export function buildViewSubmission(options: ViewSubmissionOptions): Json {
  const userId = options.userId ?? SLACK_DEFAULTS.userId;
  const viewId = options.viewId ?? "V00000001";
  return {
    type: "view_submission",
    team: { id: SLACK_DEFAULTS.teamId, domain: SLACK_DEFAULTS.teamDomain },
    user: {
      id: userId,
      username: SLACK_DEFAULTS.userName,
      name: SLACK_DEFAULTS.userName,
      team_id: SLACK_DEFAULTS.teamId,
    },
    api_app_id: SLACK_DEFAULTS.appId,
    token: "deprecated-verification-token",
    trigger_id: options.triggerId ?? nextTriggerId(),
    view: {
      id: viewId,
      team_id: SLACK_DEFAULTS.teamId,
      type: "modal",
      blocks: [],
      private_metadata: options.privateMetadata ?? "",
      callback_id: options.callbackId,
      state: { values: options.values ?? {} },
      hash: options.hash ?? "1700000000.abcdef01",
      title: { type: "plain_text", text: "Peeker" },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: { type: "plain_text", text: "Submit" },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: SLACK_DEFAULTS.appId,
      external_id: "",
      app_installed_team_id: SLACK_DEFAULTS.teamId,
      bot_id: "B0BOT",
      ...options.view,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
    ...options.overrides,
  };
}

/** Interactivity bodies are form-encoded with the JSON in one `payload` field. */
export function interactionBody(payload: Json): SlackRequestBody {
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: FORM_CONTENT_TYPE,
  };
}

// ---- events ------------------------------------------------------------------------------------------------------

let eventSeq = 0;

export function buildEventCallback(event: Json, overrides: Json = {}): Json {
  eventSeq += 1;
  return {
    token: "deprecated-verification-token",
    team_id: SLACK_DEFAULTS.teamId,
    api_app_id: SLACK_DEFAULTS.appId,
    event,
    type: "event_callback",
    event_id: `Ev${Date.now().toString(36).toUpperCase()}${eventSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: SLACK_DEFAULTS.teamId,
        user_id: SLACK_DEFAULTS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    ...overrides,
  };
}

export function buildAppHomeOpened(overrides: Json = {}): Json {
  return buildEventCallback({
    type: "app_home_opened",
    user: SLACK_DEFAULTS.userId,
    channel: "D0HOME",
    tab: "home",
    event_ts: `${Math.floor(Date.now() / 1000)}.000300`,
    ...overrides,
  });
}

export function buildUrlVerification(challenge = "challenge-token"): Json {
  return { token: "deprecated-verification-token", challenge, type: "url_verification" };
}

export function eventBody(payload: Json): SlackRequestBody {
  return { body: JSON.stringify(payload), contentType: JSON_CONTENT_TYPE };
}

// ---- sending -----------------------------------------------------------------------------------------------------

export interface PostToBotOptions {
  /** Unix seconds to sign with; default now (a stale one tests replay protection). */
  timestamp?: number;
  /** Send this signature instead of the right one. */
  signature?: string;
  /** Slack's retry marker (X-Slack-Retry-Num). */
  retryNum?: number;
  headers?: Record<string, string>;
}

export interface BotResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export async function postToBot(
  url: string,
  body: string,
  contentType: string,
  signingSecret: string,
  options: PostToBotOptions = {},
): Promise<BotResponse> {
  const headers: Record<string, string> = {
    "Content-Type": contentType,
    ...signedHeaders(signingSecret, body, options.timestamp),
    ...(options.signature !== undefined ? { "X-Slack-Signature": options.signature } : {}),
    ...(options.retryNum !== undefined
      ? { "X-Slack-Retry-Num": String(options.retryNum), "X-Slack-Retry-Reason": "http_timeout" }
      : {}),
    ...options.headers,
  };
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Convenience: `postSigned(url, slashCommandBody({ text: "order ord_1" }), secret)`. */
export function postSigned(
  url: string,
  request: SlackRequestBody,
  signingSecret: string,
  options?: PostToBotOptions,
): Promise<BotResponse> {
  return postToBot(url, request.body, request.contentType, signingSecret, options);
}
