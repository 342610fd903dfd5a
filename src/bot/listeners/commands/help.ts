import type { SlashAnswer, Subcommand } from "./types.js";

export function helpAnswer(subcommands: Record<string, Subcommand>, intro?: string): SlashAnswer {
  // `help` itself goes last, whatever order the registry lists it in.
  const ordered = Object.entries(subcommands).sort(([a], [b]) => Number(a === "help") - Number(b === "help"));
  const lines = ordered.map(([, s]) => `• \`/peeker ${s.usage}\` — ${s.summary}`);
  return { text: [intro, "*What `/peeker` can do*", ...lines].filter(Boolean).join("\n") };
}

/**
 * `/peeker help`: every subcommand with its usage. The registry hands itself in (read when run, as it lists
 * `help` too), so this file needs nothing from it.
 */
export function helpSubcommand(subcommands: () => Record<string, Subcommand>): Subcommand {
  return {
    usage: "help",
    summary: "this list",
    async run() {
      return helpAnswer(subcommands());
    },
  };
}
