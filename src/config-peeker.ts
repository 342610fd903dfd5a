import { type EnvReader, list } from "./config-env.js";

export interface PeekerConfig {
  readonly apiKey: string;
  readonly sandbox: boolean;
  readonly apiUrl: string;
  /** Empty = poll-only mode: the webhook route answers 404 and reconciliation is the only source. */
  readonly webhookSecrets: readonly string[];
  readonly webhookToleranceSeconds: number;
  readonly sequencerLoginEmail: string | undefined;
  readonly sequencerLoginPassword: string | undefined;
  /**
   * The bot's own budget of Peeker calls per minute (default 480, 80 % of Peeker's 600/min per key). Raise it
   * only when Peeker raised your key's limit.
   */
  readonly requestsPerMinute: number;
  /** Overall deadline of a Peeker call a person waits for (no retry), ms (default 2500, design §5). */
  readonly interactiveDeadlineMs: number;
}

export function parsePeeker(env: EnvReader): PeekerConfig {
  const apiKey = env.required("PEEKER_API_KEY", "pk_test_…");
  env.matching(
    "PEEKER_API_KEY",
    apiKey,
    /^pk_(test|live)_[A-Za-z0-9_-]+$/,
    "a key starting with pk_test_ or pk_live_",
  );
  const apiUrl = env.url("PEEKER_API_URL", "https://api.peeker.ai/partner/v1").replace(/\/+$/, "");
  const webhookSecrets = list(env.read("PEEKER_WEBHOOK_SECRET"));
  const webhookToleranceSeconds = env.integer("PEEKER_WEBHOOK_TOLERANCE_SECONDS", 300, 1, 3600);
  const sequencerLoginEmail = env.read("PEEKER_SEQUENCER_LOGIN_EMAIL");
  env.matching("PEEKER_SEQUENCER_LOGIN_EMAIL", sequencerLoginEmail, /^[^\s@]+@[^\s@]+$/, "an email address");
  const sequencerLoginPassword = env.read("PEEKER_SEQUENCER_LOGIN_PASSWORD");
  const requestsPerMinute = env.integer("PEEKER_REQUESTS_PER_MINUTE", 480, 1, 1_000_000);
  const interactiveDeadlineMs = env.integer("PEEKER_INTERACTIVE_DEADLINE_MS", 2500, 100, 60_000);
  return {
    apiKey,
    sandbox: apiKey.startsWith("pk_test_"),
    apiUrl,
    webhookSecrets,
    webhookToleranceSeconds,
    sequencerLoginEmail,
    sequencerLoginPassword,
    requestsPerMinute,
    interactiveDeadlineMs,
  };
}
