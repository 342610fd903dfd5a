import { type EnvReader, list, truncate } from "./config-env.js";

export interface SlackConfig {
  readonly botToken: string;
  /** Absent only in Socket Mode. */
  readonly signingSecret: string | undefined;
  /** Present = Socket Mode. */
  readonly appToken: string | undefined;
  readonly channelId: string;
  /** Slack user ids (U…/W…) and user-group ids (S…); empty = everyone may claim and resolve. */
  readonly operators: readonly string[];
  readonly apiUrl: string;
  /**
   * How long a modal submit or a slash command waits for its outcome before acking "Working…" and answering
   * later, ms (default 2200). Slack gives up on an ack after 3 s, so production keeps it under that; tests raise
   * it so a loaded machine never takes the "Working…" path by accident.
   */
  readonly answerWindowMs: number;
}

export function parseSlack(env: EnvReader): SlackConfig {
  const { problems } = env;
  const botToken = env.required("SLACK_BOT_TOKEN", "xoxb-1234-5678-abc");
  env.matching("SLACK_BOT_TOKEN", botToken, /^xoxb-[A-Za-z0-9-]+$/, "a bot token starting with xoxb-");
  const appToken = env.read("SLACK_APP_TOKEN");
  env.matching("SLACK_APP_TOKEN", appToken, /^xapp-[A-Za-z0-9-]+$/, "an app-level token starting with xapp-");
  const signingSecret = env.read("SLACK_SIGNING_SECRET");
  if (appToken === undefined && signingSecret === undefined) {
    problems.push(
      "SLACK_SIGNING_SECRET is required unless Socket Mode is used (set SLACK_APP_TOKEN=xapp-… for Socket Mode); find it under Basic Information → App Credentials.",
    );
  }
  const channelId = env.required("SLACK_CHANNEL_ID", "C0123456789");
  env.matching(
    "SLACK_CHANNEL_ID",
    channelId,
    /^[CG][A-Z0-9]{6,}$/,
    "a channel id such as C0123456789 (not a #name)",
  );
  const operators = list(env.read("SLACK_OPERATORS"));
  const badOperators = operators.filter((id) => !/^[UWS][A-Z0-9]{6,}$/.test(id));
  if (badOperators.length > 0) {
    problems.push(
      `SLACK_OPERATORS must list Slack user ids (U…/W…) and user-group ids (S…), comma separated (bad: ${badOperators.map(truncate).join(", ")}).`,
    );
  }
  const apiUrl = ensureTrailingSlash(env.url("SLACK_API_URL", "https://slack.com/api/"));
  const answerWindowMs = env.integer("SLACK_ANSWER_WINDOW_MS", 2200, 100, 60_000);
  return { botToken, signingSecret, appToken, channelId, operators, apiUrl, answerWindowMs };
}

function ensureTrailingSlash(value: string): string {
  return value.endsWith("/") ? value : `${value}/`;
}
