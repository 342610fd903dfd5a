import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type Dispatcher, request } from "undici";
import { type Clock, type Random, systemClock } from "../../src/clock.js";
import { familyOfType, signWebhookBody } from "../../src/peeker/webhooks.js";

/**
 * Delivers events the way Peeker does: a JSON envelope, signed over `<timestamp>.<raw body>`, with a fresh
 * timestamp on every attempt (so a retry hours later still passes the skew check) and the same event id.
 */

export type EventShape = "flat" | "nested";

export interface PeekerEventEnvelope {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

export interface BuildEventInput {
  type: string;
  /** The resource: `{ id, status, … }`. */
  data: Record<string, unknown>;
  id?: string;
  createdAt?: string;
}

/** The docs show both `data: { id, status }` (flat) and `data: { order: { … } }` (nested); tests need both. */
export function buildEvent(input: BuildEventInput, options: { shape: EventShape } = { shape: "flat" }) {
  let data = input.data;
  if (options.shape === "nested") {
    const family = familyOfType(input.type);
    if (family === null) throw new Error(`cannot nest an event of type ${input.type}: no resource family`);
    data = { [family]: input.data };
  }
  const event: PeekerEventEnvelope = {
    id: input.id ?? `evt_${randomUUID().replaceAll("-", "")}`,
    type: input.type,
    created_at: input.createdAt ?? new Date().toISOString(),
    data,
  };
  return event;
}

export function signDelivery(
  body: string | Buffer,
  options: { secret: string; timestamp: number; eventId: string },
): Record<string, string> {
  return {
    "content-type": "application/json",
    "peeker-event-id": options.eventId,
    "peeker-timestamp": String(options.timestamp),
    "peeker-signature": signWebhookBody(options.secret, options.timestamp, body),
  };
}

export interface SendOptions {
  /** Extra identical deliveries sent concurrently with the first (same event id, same body). */
  duplicate?: number;
  /** Added to the clock's time before signing; negative = stale, positive = from the future. */
  timestampOffsetSeconds?: number;
  /** Sign with a secret the receiver does not know. */
  wrongSecret?: boolean;
  /** Like Peeker: retry on any non-2xx or connection error, re-signed each time. `attempts` counts the first. */
  retryOnNon2xx?: { attempts: number; delayMs: number };
  /** Sent as the body instead of the serialized event (still signed). */
  rawBodyOverride?: string;
  /** Applied after signing; `undefined` removes the header. */
  headerOverrides?: Record<string, string | undefined>;
}

export interface DeliveryResult {
  status: number;
  body: string;
  attempts: number;
}

export interface SendResult extends DeliveryResult {
  /** Every delivery when `duplicate` was set; the first is also spread into the result itself. */
  deliveries: DeliveryResult[];
}

export interface SendManyOptions {
  /** `in_order`, `shuffled`, or an explicit permutation of the indices of `events`. */
  order: "in_order" | "shuffled" | readonly number[];
  /** Deliveries in flight at once; default 1, which makes arrival order equal send order. */
  concurrency?: number;
  send?: SendOptions;
}

export interface WebhookSenderOptions {
  url: string;
  /** The first one signs. */
  secrets: readonly string[];
  clock?: Clock;
  random?: Random;
  dispatcher?: Dispatcher;
}

export class WebhookSender {
  readonly #url: string;
  readonly #secret: string;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(options: WebhookSenderOptions) {
    const secret = options.secrets[0];
    if (secret === undefined || secret === "")
      throw new Error("WebhookSender: secrets must name at least one secret");
    this.#url = options.url;
    this.#secret = secret;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#dispatcher = options.dispatcher;
  }

  async send(event: PeekerEventEnvelope, options: SendOptions = {}): Promise<SendResult> {
    const copies = 1 + (options.duplicate ?? 0);
    const deliveries = await Promise.all(Array.from({ length: copies }, () => this.#deliver(event, options)));
    const first = deliveries[0]!;
    return { ...first, deliveries };
  }

  /** Returns results in send order, each with the event it carried. */
  async sendMany(
    events: readonly PeekerEventEnvelope[],
    options: SendManyOptions,
  ): Promise<Array<SendResult & { event: PeekerEventEnvelope }>> {
    const ordered = this.#arrange(events, options.order);
    const concurrency = Math.max(1, options.concurrency ?? 1);
    const results: Array<SendResult & { event: PeekerEventEnvelope }> = new Array(ordered.length);
    let next = 0;
    const worker = async () => {
      while (next < ordered.length) {
        const index = next++;
        const event = ordered[index]!;
        results[index] = { ...(await this.send(event, options.send)), event };
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ordered.length) }, worker));
    return results;
  }

  #arrange(events: readonly PeekerEventEnvelope[], order: SendManyOptions["order"]): PeekerEventEnvelope[] {
    if (order === "in_order") return [...events];
    if (order === "shuffled") return shuffle(events, this.#random);
    const sorted = [...order].sort((a, b) => a - b);
    if (sorted.length !== events.length || sorted.some((value, index) => value !== index)) {
      throw new Error(`order must be a permutation of 0..${events.length - 1}`);
    }
    return order.map((index) => events[index]!);
  }

  async #deliver(event: PeekerEventEnvelope, options: SendOptions): Promise<DeliveryResult> {
    const body = options.rawBodyOverride ?? JSON.stringify(event);
    const maxAttempts = Math.max(1, options.retryOnNon2xx?.attempts ?? 1);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.#post(event.id, body, options);
        if ((result.status >= 200 && result.status < 300) || attempt >= maxAttempts) {
          return { ...result, attempts: attempt };
        }
      } catch (error) {
        if (attempt >= maxAttempts) throw error;
      }
      await sleep(options.retryOnNon2xx?.delayMs ?? 0);
    }
  }

  async #post(
    eventId: string,
    body: string,
    options: SendOptions,
  ): Promise<{ status: number; body: string }> {
    const timestamp = Math.floor(this.#clock.now().getTime() / 1000) + (options.timestampOffsetSeconds ?? 0);
    const secret = options.wrongSecret ? `${this.#secret}-wrong` : this.#secret;
    const headers: Record<string, string> = signDelivery(body, { secret, timestamp, eventId });
    for (const [name, value] of Object.entries(options.headerOverrides ?? {})) {
      delete headers[name.toLowerCase()];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    const response = await request(this.#url, {
      method: "POST",
      headers,
      body,
      ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
    });
    return { status: response.statusCode, body: await response.body.text() };
  }
}

/** Fisher–Yates with an injected source, so a failing shuffled run can be replayed. */
export function shuffle<T>(items: readonly T[], random: Random = Math.random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Every arrival order of a resource's events; capped because 9! deliveries is never a sensible test. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length > 8) throw new Error("permutations: at most 8 items (8! = 40320 orders)");
  if (items.length <= 1) return [[...items]];
  const result: T[][] = [];
  items.forEach((item, index) => {
    const rest = [...items.slice(0, index), ...items.slice(index + 1)];
    for (const tail of permutations(rest)) result.push([item, ...tail]);
  });
  return result;
}
