import { createDigestSlack, createPermalinkLookup } from "../bot/visibility-clients.js";
import type { Config } from "../config.js";
import { runDigest } from "../jobs/digest.js";
import { manualSlot } from "../jobs/slots.js";
import type { Logger } from "../logger.js";
import { openMigratedDatabase } from "../main.js";
import { formatLine, runDoctor } from "./doctor.js";
import { manifestFromArgs } from "./manifest.js";

/** The one-shot operator commands behind `npm run doctor|manifest|digest`; each resolves to an exit code. */

export async function doctorCommand(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const report = await runDoctor(env);
  for (const line of report.lines) console.log(formatLine(line));
  console.log(
    report.problems === 0
      ? "All good."
      : `${report.problems} problem${report.problems === 1 ? "" : "s"} found.`,
  );
  return report.problems === 0 ? 0 : 1;
}

export function manifestCommand(args: string[]): number {
  const result = manifestFromArgs(args);
  if ("error" in result) {
    console.error(result.error);
    return 2;
  }
  console.log(JSON.stringify(result.manifest, null, 2));
  return 0;
}

/**
 * `npm run digest`: posts the digest now in the manual slot of this minute (so it and `/peeker digest` on any
 * replica post once a minute at most). With the embedded database, stop the bot first or use `/peeker digest`:
 * one PostgreSQL data folder serves one process.
 */
export async function digestCommand(config: Config, logger: Logger): Promise<number> {
  const { database, embedded } = await openMigratedDatabase(config, logger);
  try {
    const permalink = createPermalinkLookup(config, logger);
    const slot = manualSlot(new Date());
    const outcome = await runDigest(
      {
        db: database.db,
        slack: createDigestSlack(config, logger, permalink),
        config,
        logger,
        runner: `cli:${process.pid}`,
        now: () => new Date(),
      },
      slot,
    );
    if (!outcome.ran) {
      console.log(`A digest was already posted in slot ${slot}; nothing posted. Try again next minute.`);
      return 0;
    }
    const { counts } = outcome.result;
    console.log(
      `Digest posted in ${config.slack.channelId}: ${counts.open ?? 0} open, ${counts.breached ?? 0} past their SLA, ${counts.resolved ?? 0} resolved since the previous digest.`,
    );
    return 0;
  } catch (error) {
    console.error(`The digest failed: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    await database.close();
    await embedded?.stop();
  }
}
