/**
 * The Slack calls the outbox senders make (cards, thread lines, the backlog summary, customer messages); the
 * composition root (src/app/) backs it with a WebClient of its own (design §10, src/bot/slack-clients.ts). Each part takes only the calls it
 * needs, so a test passes a plain object.
 */
export interface SlackPoster {
  postMessage(args: Record<string, unknown>): Promise<{ ts?: string }>;
  update(args: Record<string, unknown>): Promise<unknown>;
  history(args: {
    channel: string;
    limit: number;
    include_all_metadata: boolean;
    oldest?: string;
    inclusive?: boolean;
    cursor?: string;
  }): Promise<HistoryPage>;
  replies(args: { channel: string; ts: string; limit: number; include_all_metadata: boolean }): Promise<{
    messages?: SlackMessage[];
  }>;
}

export interface SlackMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface HistoryPageArgs {
  channel: string;
  limit: number;
  include_all_metadata: boolean;
  oldest: string;
  inclusive: boolean;
  cursor?: string;
}

export interface HistoryPage {
  messages?: SlackMessage[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}
