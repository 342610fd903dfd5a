/**
 * `npm run manifest -- <public url>` (or `-- --socket`): the Slack app manifest of this bot, to paste into
 * api.slack.com/apps → Create New App → From an app manifest. JSON is valid manifest syntax.
 */

export interface ManifestOptions {
  /** The bot's public base URL (HTTP mode), e.g. https://peeker-bot.example.com. */
  publicUrl?: string;
  socketMode: boolean;
  name?: string;
}

/** Bot scopes, each for a reason. */
export const BOT_SCOPES = [
  "chat:write", // cards, thread lines, the digest
  "chat:write.public", // post in a public support channel without being invited
  "commands", // /peeker
  "channels:history", // find a card whose post timed out by its metadata (conversations.history)
  "groups:history", // …in a private support channel too
  "usergroups:read", // expand user groups in SLACK_OPERATORS
] as const;

export function buildManifest(options: ManifestOptions): Record<string, unknown> {
  const events = options.socketMode ? undefined : `${base(options.publicUrl)}/slack/events`;
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: options.name ?? "Peeker",
      description: "Every Peeker pending action as a live card, resolved from Slack",
      background_color: "#1d3557",
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: false, messages_tab_read_only_enabled: true },
      bot_user: { display_name: "peeker", always_online: true },
      slash_commands: [
        {
          command: "/peeker",
          ...(events ? { url: events } : {}),
          description: "Look up orders, imports, swaps and domains; the queue; status; digest",
          usage_hint:
            "order <ord_id> | pending [reason] | import <imp_id|domain> | swap <swp_id> | domain <name> | status | help",
          // Channels, users and links arrive as ids (<#C…|name>, <mailto:…>), which /peeker link parses.
          should_escape: true,
        },
      ],
    },
    oauth_config: { scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: {
        ...(events ? { request_url: events } : {}),
        bot_events: ["app_home_opened"],
      },
      interactivity: { is_enabled: true, ...(events ? { request_url: events } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode,
      token_rotation_enabled: false,
    },
  };
}

/** Parses `<url> [--socket]`; returns the manifest or a sentence saying what is wrong. */
export function manifestFromArgs(args: string[]): { manifest: Record<string, unknown> } | { error: string } {
  const socketMode = args.includes("--socket");
  const url = args.find((a) => !a.startsWith("--"));
  if (!socketMode) {
    if (!url) {
      return {
        error:
          "Give the bot's public URL: npm run manifest -- https://peeker-bot.example.com (or --socket for Socket Mode, no public URL needed).",
      };
    }
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "https:")
        return { error: `Slack only calls https:// URLs (got ${parsed.protocol}).` };
      if (parsed.search || parsed.hash)
        return { error: "The public URL must not carry a query or fragment." };
    } catch {
      return {
        error: `"${url.slice(0, 80)}" is not a URL; give the bot's public base URL, e.g. https://peeker-bot.example.com.`,
      };
    }
  }
  return { manifest: buildManifest({ socketMode, ...(url && !socketMode ? { publicUrl: url } : {}) }) };
}

function base(url: string | undefined): string {
  return (url ?? "").replace(/\/+$/, "").replace(/\/slack\/events$/, "");
}
