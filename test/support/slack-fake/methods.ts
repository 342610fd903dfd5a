import type { Args, FakeState, Identity, StoredMessage, StoredView } from "./state.js";
import { type SlackError, validateMessage, validateView } from "./validate.js";

export type MethodResult = ({ ok: true } & Args) | ({ ok: false } & SlackError & Args);

export interface MethodContext {
  state: FakeState;
  identity: Identity;
  /** Returned by apps.connections.open; unset = Socket Mode not allowed. */
  socketModeUrl: string | undefined;
  /** When set, any other channel answers `channel_not_found`. */
  knownChannels: Set<string> | undefined;
}

type Handler = (ctx: MethodContext, args: Args) => MethodResult;

const fail = (error: string, extra: Args = {}): MethodResult => ({ ok: false, error, ...extra });

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.length > 0) return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/** Form bodies carry booleans and numbers as strings. */
function bool(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

function int(value: unknown, fallback: number): number {
  const n = typeof value === "number" ? value : Number.parseInt(String(value ?? ""), 10);
  return Number.isFinite(n) ? n : fallback;
}

function checkChannel(ctx: MethodContext, channel: string | undefined): MethodResult | undefined {
  if (!channel) return fail("channel_not_found");
  if (ctx.knownChannels && !ctx.knownChannels.has(channel)) return fail("channel_not_found");
  return undefined;
}

function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function asMetadata(value: unknown): StoredMessage["metadata"] {
  return value !== undefined ? (value as StoredMessage["metadata"]) : undefined;
}

/** A message as Slack returns it from conversations.history / replies. */
function present(message: StoredMessage, state: FakeState, withMetadata: boolean): Args {
  const replies = message.thread_ts === undefined ? state.replies(message.channel, message.ts) : [];
  const out: Args = {
    type: "message",
    user: message.user,
    text: message.text ?? "",
    ts: message.ts,
  };
  if (message.bot_id) out.bot_id = message.bot_id;
  if (message.app_id) out.app_id = message.app_id;
  if (message.blocks) out.blocks = message.blocks;
  if (message.attachments) out.attachments = message.attachments;
  if (message.edited) out.edited = message.edited;
  if (message.thread_ts) out.thread_ts = message.thread_ts;
  if (replies.length > 0) {
    out.thread_ts = message.ts;
    out.reply_count = replies.length;
    out.latest_reply = replies[replies.length - 1]?.ts;
  }
  if (withMetadata && message.metadata) out.metadata = message.metadata;
  return out;
}

/** Slack's ts strings have six decimals, so numeric comparison orders them. */
function inWindow(ts: string, args: Args): boolean {
  const inclusive = bool(args.inclusive);
  const value = Number(ts);
  const oldest = str(args.oldest);
  const latest = str(args.latest);
  if (oldest !== undefined && (inclusive ? value < Number(oldest) : value <= Number(oldest))) return false;
  if (latest !== undefined && (inclusive ? value > Number(latest) : value >= Number(latest))) return false;
  return true;
}

function page(items: Args[], args: Args): Args {
  const limit = Math.min(Math.max(int(args.limit, 100), 1), 999);
  const offset = str(args.cursor) ? int(Buffer.from(String(args.cursor), "base64").toString("utf8"), 0) : 0;
  const slice = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  return {
    messages: slice,
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? Buffer.from(String(offset + limit)).toString("base64") : "" },
  };
}

/**
 * conversations.history's pages, newest first, as Slack pages them: `limit` (default 100, at most 999) messages a
 * page, and a cursor that names the last message handed out, so messages posted while a caller pages (they are
 * newer) neither shift nor repeat the older pages.
 */
function historyPage(newestFirst: Args[], args: Args): Args {
  const limit = Math.min(Math.max(int(args.limit, 100), 1), 999);
  const cursor = str(args.cursor);
  const before = cursor
    ? Buffer.from(cursor, "base64")
        .toString("utf8")
        .replace(/^before:/, "")
    : undefined;
  const rest = before === undefined ? newestFirst : newestFirst.filter((m) => Number(m.ts) < Number(before));
  const slice = rest.slice(0, limit);
  const hasMore = rest.length > limit;
  const last = slice[slice.length - 1]?.ts;
  return {
    messages: slice,
    has_more: hasMore,
    response_metadata: {
      next_cursor: hasMore && last ? Buffer.from(`before:${String(last)}`).toString("base64") : "",
    },
  };
}

const postMessage: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const bad = checkChannel(ctx, channel);
  if (bad || !channel) return bad ?? fail("channel_not_found");
  const invalid = validateMessage(args);
  if (invalid) return { ok: false, ...invalid };
  const threadTs = str(args.thread_ts);
  const message: StoredMessage = {
    channel,
    ts: ctx.state.nextTs(),
    user: ctx.identity.botUserId,
    bot_id: ctx.identity.botId,
    app_id: ctx.identity.appId,
    updates: 0,
    ...(typeof args.text === "string" ? { text: args.text } : {}),
    ...(asArray(args.blocks) ? { blocks: asArray(args.blocks) } : {}),
    ...(asArray(args.attachments) ? { attachments: asArray(args.attachments) } : {}),
    ...(args.metadata !== undefined ? { metadata: asMetadata(args.metadata) } : {}),
    ...(threadTs ? { thread_ts: threadTs, reply_broadcast: bool(args.reply_broadcast) } : {}),
  };
  ctx.state.channel(channel).push(message);
  return { ok: true, channel, ts: message.ts, message: present(message, ctx.state, true) };
};

const update: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const ts = str(args.ts);
  const bad = checkChannel(ctx, channel);
  if (bad || !channel) return bad ?? fail("channel_not_found");
  const message = ts ? ctx.state.find(channel, ts) : undefined;
  if (!message) return fail("message_not_found");
  const invalid = validateMessage(args);
  if (invalid) return { ok: false, ...invalid };
  if (typeof args.text === "string") message.text = args.text;
  const blocks = asArray(args.blocks);
  if (blocks) message.blocks = blocks;
  const attachments = asArray(args.attachments);
  if (attachments) message.attachments = attachments;
  if (args.metadata !== undefined) message.metadata = asMetadata(args.metadata);
  message.edited = { user: ctx.identity.botUserId, ts: ctx.state.nextTs() };
  message.updates += 1;
  return {
    ok: true,
    channel,
    ts: message.ts,
    text: message.text ?? "",
    message: present(message, ctx.state, true),
  };
};

const postEphemeral: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const bad = checkChannel(ctx, channel);
  if (bad || !channel) return bad ?? fail("channel_not_found");
  const user = str(args.user);
  if (!user) return fail("user_not_in_channel");
  const invalid = validateMessage(args);
  if (invalid) return { ok: false, ...invalid };
  const messageTs = ctx.state.nextTs();
  const threadTs = str(args.thread_ts);
  ctx.state.ephemerals.push({
    channel,
    user,
    message_ts: messageTs,
    ...(typeof args.text === "string" ? { text: args.text } : {}),
    ...(asArray(args.blocks) ? { blocks: asArray(args.blocks) } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return { ok: true, message_ts: messageTs };
};

const getPermalink: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const ts = str(args.message_ts);
  const message = channel && ts ? ctx.state.find(channel, ts) : undefined;
  if (!channel || !message) return fail(channel ? "message_not_found" : "channel_not_found");
  const base = `https://fake.slack.com/archives/${channel}/p${message.ts.replace(".", "")}`;
  const permalink = message.thread_ts ? `${base}?thread_ts=${message.thread_ts}&cid=${channel}` : base;
  return { ok: true, channel, permalink };
};

const history: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const bad = checkChannel(ctx, channel);
  if (bad || !channel) return bad ?? fail("channel_not_found");
  const withMetadata = bool(args.include_all_metadata);
  const topLevel = ctx.state
    .channel(channel)
    .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast)
    .filter((m) => inWindow(m.ts, args))
    .sort((a, b) => Number(b.ts) - Number(a.ts))
    .map((m) => present(m, ctx.state, withMetadata));
  return { ok: true, ...historyPage(topLevel, args) };
};

const replies: Handler = (ctx, args) => {
  const channel = str(args.channel);
  const ts = str(args.ts);
  const bad = checkChannel(ctx, channel);
  if (bad || !channel) return bad ?? fail("channel_not_found");
  const root = ts ? ctx.state.find(channel, ts) : undefined;
  if (!root || !ts) return fail("thread_not_found");
  const withMetadata = bool(args.include_all_metadata);
  const thread = [root, ...ctx.state.replies(channel, ts)]
    .filter((m) => m === root || inWindow(m.ts, args))
    .map((m) => present(m, ctx.state, withMetadata));
  return { ok: true, ...page(thread, args) };
};

function viewResponse(ctx: MethodContext, stored: StoredView): Args {
  return {
    state: { values: {} },
    private_metadata: "",
    callback_id: "",
    external_id: "",
    ...stored.view,
    id: stored.id,
    type: stored.type,
    hash: stored.hash,
    team_id: ctx.identity.teamId,
    app_id: ctx.identity.appId,
    bot_id: ctx.identity.botId,
    root_view_id: stored.id,
    previous_view_id: null,
  };
}

function viewArg(args: Args): Args | undefined {
  const view = args.view;
  return typeof view === "object" && view !== null && !Array.isArray(view) ? (view as Args) : undefined;
}

const viewsOpen: Handler = (ctx, args) => {
  const triggerId = str(args.trigger_id);
  if (!triggerId)
    return fail("invalid_arguments", {
      response_metadata: { messages: ["[ERROR] missing required field: trigger_id"] },
    });
  if (ctx.state.expiredTriggers.has(triggerId)) return fail("expired_trigger_id");
  // A trigger opens one modal, once (Slack answers exchanged_trigger_id to a second use).
  if (ctx.state.usedTriggers.has(triggerId)) return fail("exchanged_trigger_id");
  const invalid = validateView(args.view, "modal");
  if (invalid) return { ok: false, ...invalid };
  const view = viewArg(args) ?? {};
  ctx.state.usedTriggers.add(triggerId);
  const stored: StoredView = {
    id: ctx.state.nextViewId(),
    type: "modal",
    hash: ctx.state.nextViewHash(),
    view,
    triggerId,
    history: [view],
    ...(typeof view.external_id === "string" ? { externalId: view.external_id } : {}),
  };
  ctx.state.views.set(stored.id, stored);
  return { ok: true, view: viewResponse(ctx, stored) };
};

const viewsUpdate: Handler = (ctx, args) => {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  if (!viewId && !externalId)
    return fail("invalid_arguments", {
      response_metadata: { messages: ["[ERROR] view_id or external_id required"] },
    });
  const stored = ctx.state.findView(viewId, externalId);
  if (!stored) return fail("not_found");
  const hash = str(args.hash);
  if (hash && hash !== stored.hash) return fail("hash_conflict");
  const invalid = validateView(args.view, stored.type);
  if (invalid) return { ok: false, ...invalid };
  const view = viewArg(args) ?? {};
  stored.view = view;
  stored.history.push(view);
  stored.hash = ctx.state.nextViewHash();
  return { ok: true, view: viewResponse(ctx, stored) };
};

const viewsPublish: Handler = (ctx, args) => {
  const userId = str(args.user_id);
  if (!userId)
    return fail("invalid_arguments", {
      response_metadata: { messages: ["[ERROR] missing required field: user_id"] },
    });
  const invalid = validateView(args.view, "home");
  if (invalid) return { ok: false, ...invalid };
  const view = viewArg(args) ?? {};
  const existing = [...ctx.state.views.values()].find((v) => v.type === "home" && v.userId === userId);
  const hash = str(args.hash);
  if (existing && hash && hash !== existing.hash) return fail("hash_conflict");
  const stored: StoredView = existing ?? {
    id: ctx.state.nextViewId(),
    type: "home",
    hash: "",
    view,
    userId,
    history: [],
  };
  stored.view = view;
  stored.history.push(view);
  stored.hash = ctx.state.nextViewHash();
  ctx.state.views.set(stored.id, stored);
  return { ok: true, view: viewResponse(ctx, stored) };
};

const authTest: Handler = (ctx) => ({
  ok: true,
  url: "https://fake.slack.com/",
  team: ctx.identity.team,
  user: "peeker",
  team_id: ctx.identity.teamId,
  user_id: ctx.identity.botUserId,
  bot_id: ctx.identity.botId,
  is_enterprise_install: false,
});

const usergroupUsers: Handler = (ctx, args) => {
  const group = str(args.usergroup);
  const users = group ? ctx.state.usergroups.get(group) : undefined;
  if (!users) return fail("no_such_subteam");
  return { ok: true, users: [...users] };
};

const connectionsOpen: Handler = (ctx) =>
  ctx.socketModeUrl ? { ok: true, url: ctx.socketModeUrl } : fail("not_allowed");

export const METHODS: Record<string, Handler> = {
  "auth.test": authTest,
  "chat.postMessage": postMessage,
  "chat.update": update,
  "chat.postEphemeral": postEphemeral,
  "chat.getPermalink": getPermalink,
  "conversations.history": history,
  "conversations.replies": replies,
  "views.open": viewsOpen,
  "views.update": viewsUpdate,
  "views.publish": viewsPublish,
  "usergroups.users.list": usergroupUsers,
  "apps.connections.open": connectionsOpen,
};

/** Methods that need an app-level (`xapp-`) token rather than a bot token. */
export const APP_TOKEN_METHODS = new Set(["apps.connections.open"]);

/** Methods paced per channel like Slack's ~1 message/s/channel. */
export const CHANNEL_PACED_METHODS = new Set(["chat.postMessage", "chat.update"]);
