import type { SlashAnswer, Subcommand } from "./types.js";

export function helpAnswer(subcommands: Record<string, Subcommand>, intro?: string): SlashAnswer {
  const lines = Object.values(subcommands).map((s) => `• \`/peeker ${s.usage}\` — ${s.summary}`);
  return { text: [intro, "*What `/peeker` can do*", ...lines].filter(Boolean).join("\n") };
}
