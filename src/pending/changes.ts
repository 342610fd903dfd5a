/**
 * Terminology (the domain's vocabulary):
 * - pending action: a Peeker blocker we track, one row in `pending_actions`, keyed by its card key;
 * - card: the Slack message showing one pending action, edited in place for its whole life;
 * - card key: `<reason>:<resource id>` grouping rule of design §5 (one card per order, import or domain);
 * - snapshot: what one re-read of Peeker says is open now for one resource (events are only hints);
 * - slot: a cron instant (or `manual:<UTC minute>`) that runs once across replicas.
 */

/** One state change of a card, told once in its thread. */
export type CardChange =
  | { kind: "opened" }
  | { kind: "claimed"; by: string }
  | { kind: "unclaimed"; by: string; previousClaimer?: string }
  | { kind: "resolving"; by: string; note: string }
  | { kind: "reopened"; why: string }
  | { kind: "customer_notified"; by: string; to: { channel: string } | "thread" }
  /** A customer-ready message posted in the card thread for an operator to forward (whole, not one line). */
  | { kind: "customer_message"; text: string }
  | { kind: "resolved"; source: "slack"; by: string; how?: string }
  | { kind: "resolved"; source: "peeker" | "reconcile"; how?: string }
  | { kind: "nudge"; waitedMs: number; slaMs: number; users: string[]; groups: string[] }
  | { kind: "error"; message: string; requestId?: string }
  | { kind: "note"; text: string };
