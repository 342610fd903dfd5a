/**
 * A Slack Web API on loopback, reached exactly like Slack (`SLACK_API_URL=<fake.apiUrl>`): form-encoded or JSON
 * POSTs to `/api/<method>`, bearer token, HTTP 200 `{ok:…}` answers, 429 + Retry-After when paced. It also
 * serves `response_url`s under `/hooks/…`. Everything it receives is recorded for assertions; faults are
 * switched on per test. See ./methods.ts for what each method does.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { Faults, type HangOptions, type RateLimitOptions, type ServerErrorOptions } from "./faults.js";
import { bearer, type ParsedArgs, parseArgs, readBody, send } from "./http.js";
import {
  APP_TOKEN_METHODS,
  CHANNEL_PACED_METHODS,
  METHODS,
  type MethodContext,
  type MethodResult,
} from "./methods.js";
import {
  type Args,
  FakeState,
  type Identity,
  type StoredEphemeral,
  type StoredMessage,
  type StoredView,
} from "./state.js";
import { validateMessage } from "./validate.js";

export type { HangOptions, RateLimitOptions, ServerErrorOptions } from "./faults.js";
export type { Identity, StoredEphemeral, StoredMessage, StoredView } from "./state.js";
export { blockProblems, LIMITS, RULES, totalTextLength, validateMessage, validateView } from "./validate.js";

export interface SlackFakeOptions {
  identity?: Partial<Identity>;
  /** Clock for ts values, recorded times and rate limits (ms since epoch). Default Date.now. */
  now?: () => number;
  /** When given, posts to any other channel answer `channel_not_found`. */
  channels?: string[];
  /** What apps.connections.open returns; unset answers `not_allowed`. */
  socketModeUrl?: string;
}

export interface RecordedCall {
  seq: number;
  method: string;
  /** Parsed arguments (JSON-string fields decoded), without the token. */
  args: Args;
  token: string | undefined;
  contentType: string;
  /** When it arrived, from the fake's clock (ms). */
  at: number;
  /** HTTP status answered; undefined when no answer was sent (hung, reset). */
  status: number | undefined;
  outcome: "pending" | "answered" | "hung" | "reset";
  response: unknown;
}

export interface HookPost {
  id: string;
  body: unknown;
  contentType: string;
  at: number;
}

const DEFAULT_IDENTITY: Identity = {
  teamId: "T0FAKE",
  team: "Fake Team",
  botUserId: "U0BOT",
  botId: "B0BOT",
  appId: "A0FAKE",
};

export class SlackFake {
  readonly url: string;
  readonly apiUrl: string;
  readonly identity: Identity;
  private readonly state: FakeState;
  private readonly faults: Faults;
  private readonly recorded: RecordedCall[] = [];
  private readonly hooks: HookPost[] = [];
  private readonly invalidTokens = new Set<string>();
  private readonly expiredHooks = new Set<string>();
  private readonly events = new EventEmitter();
  private readonly now: () => number;
  private readonly knownChannels: Set<string> | undefined;
  private socketModeUrl: string | undefined;
  private seq = 0;
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly socketClients = new Set<WebSocket>();
  private envelopeSeq = 0;

  constructor(
    private readonly server: Server,
    options: SlackFakeOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
    this.apiUrl = `${this.url}/api/`;
    this.now = options.now ?? Date.now;
    this.identity = { ...DEFAULT_IDENTITY, ...options.identity };
    this.state = new FakeState(this.now);
    this.faults = new Faults(this.now);
    this.knownChannels = options.channels ? new Set(options.channels) : undefined;
    this.socketModeUrl = options.socketModeUrl;
    this.events.setMaxListeners(0);
  }

  // ---- reading what happened -------------------------------------------------------------------------------

  /** Every Web API call received, oldest first; only one method's when given. */
  calls(method?: string): RecordedCall[] {
    return method ? this.recorded.filter((c) => c.method === method) : [...this.recorded];
  }

  /** Every message in a channel, thread replies included, oldest first. */
  messages(channel: string): StoredMessage[] {
    return [...(this.state.channels.get(channel) ?? [])];
  }

  /** Top-level messages only (what a reader scrolling the channel sees), oldest first. */
  channelMessages(channel: string): StoredMessage[] {
    return this.messages(channel).filter((m) => m.thread_ts === undefined || m.reply_broadcast);
  }

  threadReplies(channel: string, threadTs: string): StoredMessage[] {
    return this.state.replies(channel, threadTs);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.state.find(channel, ts);
  }

  ephemerals(channel?: string): StoredEphemeral[] {
    return this.state.ephemerals.filter((e) => channel === undefined || e.channel === channel);
  }

  views(): StoredView[] {
    return [...this.state.views.values()];
  }

  view(viewId: string): StoredView | undefined {
    return this.state.views.get(viewId);
  }

  homeView(userId: string): StoredView | undefined {
    return this.views().find((v) => v.type === "home" && v.userId === userId);
  }

  /** Bodies POSTed to response URLs, oldest first; only one URL's when given. */
  hookPosts(id?: string): HookPost[] {
    return this.hooks.filter((h) => id === undefined || h.id === id);
  }

  /** A response_url that lands here; put it in crafted payloads. */
  responseUrl(id: string): string {
    return `${this.url}/hooks/${encodeURIComponent(id)}`;
  }

  /** Resolves with the first call (already received or future) that matches. */
  waitForCall(match: string | ((call: RecordedCall) => boolean), timeoutMs = 5000): Promise<RecordedCall> {
    const predicate = typeof match === "string" ? (c: RecordedCall) => c.method === match : match;
    const found = this.recorded.find((c) => c.outcome !== "pending" && predicate(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        if (!predicate(call)) return;
        clearTimeout(timer);
        this.events.off("call", onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.events.off("call", onCall);
        reject(new Error(`slack fake: no matching call within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on("call", onCall);
    });
  }

  // ---- seeding -------------------------------------------------------------------------------------------------

  /** Puts a message in a channel as if posted earlier (e.g. by another replica); returns its ts. */
  seedMessage(channel: string, message: Partial<Omit<StoredMessage, "channel" | "updates">> = {}): string {
    const stored: StoredMessage = {
      user: this.identity.botUserId,
      bot_id: this.identity.botId,
      app_id: this.identity.appId,
      ...message,
      channel,
      ts: message.ts ?? this.state.nextTs(),
      updates: 0,
    };
    const list = this.state.channel(channel);
    list.push(stored);
    list.sort((a, b) => Number(a.ts) - Number(b.ts));
    return stored.ts;
  }

  seedUsergroup(groupId: string, userIds: string[]): void {
    this.state.usergroups.set(groupId, [...userIds]);
  }

  setSocketModeUrl(url: string | undefined): void {
    this.socketModeUrl = url;
  }

  // ---- Socket Mode ------------------------------------------------------------------------------------------

  /**
   * Serves Socket Mode on this server: `apps.connections.open` answers `ws://127.0.0.1:<port>/socket-mode`, and a
   * client that connects there gets Slack's `hello`. Returns the URL.
   */
  enableSocketMode(): string {
    this.socketModeUrl = `${this.url.replace(/^http/, "ws")}/socket-mode`;
    return this.socketModeUrl;
  }

  /** Open Socket Mode connections. */
  socketConnections(): number {
    return this.socketClients.size;
  }

  /** Resolves once at least one Socket Mode client is connected. */
  async waitForSocket(timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (this.socketClients.size === 0) {
      if (Date.now() - started > timeoutMs) throw new Error("slack fake: no Socket Mode connection");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Sends one envelope (`slash_commands`, `interactive`, `events_api`) to the newest connection, as Slack does,
   * and resolves with the client's ack `{ envelope_id, payload }` (the payload is what Bolt's ack() carried).
   */
  sendEnvelope(
    type: "slash_commands" | "interactive" | "events_api",
    payload: Record<string, unknown>,
    timeoutMs = 5000,
  ): Promise<{ envelope_id: string; payload?: unknown }> {
    const socket = [...this.socketClients].at(-1);
    if (!socket) return Promise.reject(new Error("slack fake: no Socket Mode connection"));
    this.envelopeSeq += 1;
    const envelopeId = `env-${this.envelopeSeq}-${Date.now()}`;
    return new Promise((resolve, reject) => {
      const onMessage = (data: Buffer) => {
        let message: { envelope_id?: string; payload?: unknown };
        try {
          message = JSON.parse(data.toString()) as typeof message;
        } catch {
          return;
        }
        if (message.envelope_id !== envelopeId) return;
        clearTimeout(timer);
        socket.off("message", onMessage);
        resolve({ envelope_id: envelopeId, payload: message.payload });
      };
      const timer = setTimeout(() => {
        socket.off("message", onMessage);
        reject(new Error(`slack fake: envelope ${envelopeId} not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on("message", onMessage);
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== "events_api",
        }),
      );
    });
  }

  /** @internal */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? "/", this.url);
    if (url.pathname !== "/socket-mode" || !this.socketModeUrl) {
      socket.destroy();
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => {
      this.socketClients.add(ws);
      ws.on("close", () => this.socketClients.delete(ws));
      ws.send(JSON.stringify({ type: "hello", num_connections: this.socketClients.size, debug_info: {} }));
    });
  }

  /** Requests with this token answer `invalid_auth` (a revoked or mistyped token). */
  markTokenInvalid(token: string): void {
    this.invalidTokens.add(token);
  }

  markTokenValid(token: string): void {
    this.invalidTokens.delete(token);
  }

  /** views.open with this trigger answers `expired_trigger_id` (Slack's 3 s are over). */
  expireTrigger(triggerId: string): void {
    this.state.expiredTriggers.add(triggerId);
  }

  /** POSTs to this response URL answer 404 `expired_url` (used 5 times or 30 min old). */
  expireResponseUrl(id: string): void {
    this.expiredHooks.add(id);
  }

  // ---- faults ----------------------------------------------------------------------------------------------

  /** Paces chat.postMessage / chat.update to one channel; others are unaffected. */
  rateLimit(options: RateLimitOptions): void {
    this.faults.rateLimit(options);
  }

  clearRateLimit(channel?: string): void {
    this.faults.clearRateLimit(channel);
  }

  /** Every Web API call (or only `methods`) answers a 5xx for a time or a number of calls. */
  failWith5xx(options?: ServerErrorOptions): void {
    this.faults.failWith5xx(options);
  }

  clear5xx(): void {
    this.faults.clear5xx();
  }

  /** Calls of a method are received and never answered, so the client's timeout decides. */
  hang(options: HangOptions): void {
    this.faults.hang(options);
  }

  clearHangs(): void {
    this.faults.clearHangs();
  }

  /**
   * The next `calls` chat.postMessage calls store their message, then the connection is destroyed instead of
   * answered: the bot cannot know whether its card was posted.
   */
  resetAfterPost(calls = 1): void {
    this.faults.resetAfterPost(calls);
  }

  /** Forgets every call, message, view, hook post, seed and fault; keeps identity, channels and socket URL. */
  reset(): void {
    this.recorded.length = 0;
    this.hooks.length = 0;
    this.invalidTokens.clear();
    this.expiredHooks.clear();
    this.state.clear();
    this.faults.clear();
  }

  async close(): Promise<void> {
    // Hung requests would keep close() waiting forever.
    for (const ws of this.socketClients) ws.terminate();
    this.sockets.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
    });
  }

  // ---- HTTP ------------------------------------------------------------------------------------------------

  /** @internal */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const raw = await readBody(req);
    const contentType = req.headers["content-type"] ?? "";
    if (url.pathname.startsWith("/hooks/")) return this.handleHook(url, raw, contentType, res);
    if (!url.pathname.startsWith("/api/")) return send(res, 404, { ok: false, error: "not_found" });

    const method = url.pathname.slice("/api/".length);
    const parsed = parseArgs(raw, contentType, url.searchParams);
    const token =
      bearer(req.headers.authorization) ??
      (typeof parsed.args.token === "string" ? parsed.args.token : undefined);
    delete parsed.args.token;
    this.seq += 1;
    const call: RecordedCall = {
      seq: this.seq,
      method,
      args: parsed.args,
      token,
      contentType,
      at: this.now(),
      status: undefined,
      outcome: "pending",
      response: undefined,
    };
    this.recorded.push(call);

    const failStatus = this.faults.takeServerError(method);
    if (failStatus !== undefined) {
      return this.answer(call, res, failStatus, { ok: false, error: "service_unavailable" });
    }
    const hang = this.faults.takeHang(method);
    if (hang) {
      if (hang.applied) this.dispatch(method, parsed, token);
      call.outcome = "hung";
      this.events.emit("call", call);
      return;
    }
    const channel = typeof parsed.args.channel === "string" ? parsed.args.channel : undefined;
    if (channel && CHANNEL_PACED_METHODS.has(method) && this.tokenProblem(method, token) === undefined) {
      const retryAfter = this.faults.checkRate(channel);
      if (retryAfter !== undefined) {
        return this.answer(
          call,
          res,
          429,
          { ok: false, error: "ratelimited" },
          { "retry-after": String(retryAfter) },
        );
      }
    }
    const result = this.dispatch(method, parsed, token);
    if (method === "chat.postMessage" && result.ok && this.faults.takeReset()) {
      call.outcome = "reset";
      call.response = result;
      this.events.emit("call", call);
      res.socket?.destroy();
      return;
    }
    return this.answer(call, res, 200, result);
  }

  private dispatch(method: string, parsed: ParsedArgs, token: string | undefined): MethodResult {
    const tokenProblem = this.tokenProblem(method, token);
    if (tokenProblem) return { ok: false, error: tokenProblem };
    if (parsed.error) return { ok: false, error: parsed.error };
    const handler = METHODS[method];
    if (!handler) return { ok: false, error: "unknown_method" };
    const ctx: MethodContext = {
      state: this.state,
      identity: this.identity,
      socketModeUrl: this.socketModeUrl,
      knownChannels: this.knownChannels,
    };
    return handler(ctx, parsed.args);
  }

  private tokenProblem(method: string, token: string | undefined): string | undefined {
    if (!token) return "not_authed";
    if (this.invalidTokens.has(token)) return "invalid_auth";
    const isAppToken = token.startsWith("xapp-");
    if (APP_TOKEN_METHODS.has(method) !== isAppToken) return "not_allowed_token_type";
    return undefined;
  }

  private answer(
    call: RecordedCall,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    call.status = status;
    call.outcome = "answered";
    call.response = body;
    send(res, status, body, headers);
    this.events.emit("call", call);
  }

  private handleHook(url: URL, raw: string, contentType: string, res: ServerResponse): void {
    const id = decodeURIComponent(url.pathname.slice("/hooks/".length));
    if (this.expiredHooks.has(id)) {
      send(res, 404, { ok: false, error: "expired_url" });
      return;
    }
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // respond() always sends JSON; anything else is kept raw so the test can see what was wrong.
    }
    this.hooks.push({ id, body, contentType, at: this.now() });
    // A response_url refuses what chat.postMessage refuses (Slack answers 400 with the same error code).
    const isJson = typeof body === "object" && body !== null && !Array.isArray(body);
    const deletes = isJson && (body as Args).delete_original === true;
    const invalid = !isJson
      ? { error: "invalid_payload" }
      : deletes
        ? undefined
        : validateMessage(body as Args);
    if (invalid) {
      send(res, 400, { ok: false, ...invalid });
      return;
    }
    send(res, 200, { ok: true });
  }
}

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  let fake: SlackFake | undefined;
  const server = createServer((req, res) => {
    fake?.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { ok: false, error: "fake_internal_error", detail: String(error) });
    });
  });
  server.on("upgrade", (req, socket, head) => {
    if (fake) fake.handleUpgrade(req, socket as Socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake = new SlackFake(server, options);
  return fake;
}
