import { manualSlot } from "../../../jobs/slots.js";
import { refuseUnlessOperator } from "../../../pending/permissions.js";
import type { Subcommand } from "./types.js";

/** `/peeker digest`: posts the digest now; a second request in the same minute (any replica) runs nothing. */
export const digestSubcommand: Subcommand = {
  usage: "digest",
  summary: "post the digest in the support channel now",
  async run(_args, invocation, deps) {
    const refusal = await refuseUnlessOperator(deps.flows, {
      userId: invocation.userId,
      attempted: "`/peeker digest`",
    });
    if (refusal) return { text: refusal };
    const outcome = await deps.visibility.runDigest(manualSlot(deps.clock.now()));
    const channel = `<#${deps.config.slack.channelId}>`;
    if (!outcome.ran) return { text: `A digest was already posted in ${channel} this minute.` };
    return { text: `Digest posted in ${channel} (${outcome.result.counts.open ?? 0} open).` };
  },
};
