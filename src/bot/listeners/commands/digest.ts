import { manualSlot } from "../../../jobs/slots.js";
import type { Subcommand } from "./types.js";

/** `/peeker digest`: posts the digest now; a second request in the same minute (any replica) runs nothing. */
export const digestSubcommand: Subcommand = {
  usage: "digest",
  summary: "post the digest in the support channel now",
  async run(_args, _invocation, deps) {
    const outcome = await deps.visibility.runDigest(manualSlot(deps.clock.now()));
    const channel = `<#${deps.config.slack.channelId}>`;
    if (!outcome.ran) return { text: `A digest was already posted in ${channel} this minute.` };
    return { text: `Digest posted in ${channel} (${outcome.result.counts.open ?? 0} open).` };
  },
};
