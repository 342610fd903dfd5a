/** What the fake remembers between calls: messages, views, ephemerals, user groups, triggers. */

export type Args = Record<string, unknown>;

export interface Identity {
  teamId: string;
  team: string;
  botUserId: string;
  botId: string;
  appId: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  thread_ts?: string;
  reply_broadcast?: boolean;
  user: string;
  bot_id?: string;
  app_id?: string;
  edited?: { user: string; ts: string };
  /** How many chat.update calls changed it. */
  updates: number;
}

export interface StoredView {
  id: string;
  type: "modal" | "home";
  hash: string;
  view: Args;
  /** The user whose Home tab this is (views.publish). */
  userId?: string;
  triggerId?: string;
  externalId?: string;
  /** Every version, oldest first (views.open, then each views.update). */
  history: Args[];
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  message_ts: string;
}

export class FakeState {
  readonly channels = new Map<string, StoredMessage[]>();
  readonly views = new Map<string, StoredView>();
  readonly ephemerals: StoredEphemeral[] = [];
  readonly usergroups = new Map<string, string[]>();
  readonly expiredTriggers = new Set<string>();
  readonly usedTriggers = new Set<string>();
  private lastMicros = 0;
  private viewSeq = 0;
  private hashSeq = 0;

  constructor(private readonly now: () => number) {}

  /**
   * Slack ts values are "seconds.micros" and strictly increase within a channel; code sorts and compares them,
   * so the fake never hands out the same one twice even within one millisecond.
   */
  nextTs(): string {
    const micros = Math.max(this.lastMicros + 1, this.now() * 1000);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  nextViewId(): string {
    this.viewSeq += 1;
    return `V${String(this.viewSeq).padStart(8, "0")}`;
  }

  /** views.update takes `hash` to refuse stale writes; every version gets a new one. */
  nextViewHash(): string {
    this.hashSeq += 1;
    return `${Math.floor(this.now() / 1000)}.${this.hashSeq.toString(16).padStart(8, "0")}`;
  }

  channel(channel: string): StoredMessage[] {
    let list = this.channels.get(channel);
    if (!list) {
      list = [];
      this.channels.set(channel, list);
    }
    return list;
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.channels.get(channel)?.find((m) => m.ts === ts);
  }

  replies(channel: string, threadTs: string): StoredMessage[] {
    return (this.channels.get(channel) ?? []).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  findView(viewId: string | undefined, externalId: string | undefined): StoredView | undefined {
    if (viewId) return this.views.get(viewId);
    if (externalId) return [...this.views.values()].find((v) => v.externalId === externalId);
    return undefined;
  }

  clear(): void {
    this.channels.clear();
    this.views.clear();
    this.ephemerals.length = 0;
    this.usergroups.clear();
    this.expiredTriggers.clear();
    this.usedTriggers.clear();
  }
}
