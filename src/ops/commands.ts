import { closeDatabase, openMigratedDatabase } from "../app/database.js";
import { runDigestOnce } from "../app/digest-once.js";
import { runReconcileOnce } from "../app/reconcile-once.js";
import { describeReconcileCounts } from "../bot/views/reconcile-summary.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { formatLine, runDoctor } from "./doctor.js";
import { manifestFromArgs } from "./manifest.js";

/** The one-shot operator commands behind `npm run migrate|reconcile|digest|doctor|manifest`; each answers an exit code. */

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

/** `npm run migrate`: applies the migrations (starting the embedded database if that is the one), then exits. */
export async function migrateCommand(config: Config, logger: Logger): Promise<number> {
  await closeDatabase(await openMigratedDatabase(config, logger));
  return 0;
}

/** `npm run reconcile`: one run, its counts on stdout; exit 1 when it failed or met errors (design §3). */
export async function reconcileCommand(config: Config, logger: Logger, clock: Clock): Promise<number> {
  let result: Awaited<ReturnType<typeof runReconcileOnce>>;
  try {
    result = await runReconcileOnce(config, { logger, clock });
  } catch (error) {
    console.error(`Reconcile failed: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
  const { slot, outcome, unsent } = result;
  if (!outcome.ran) {
    console.log(
      `A reconcile already ran in slot ${slot} (this minute); nothing done. Try again next minute.`,
    );
    return 0;
  }
  const { counts } = outcome.result;
  console.log(`Reconcile ${slot}: ${describeReconcileCounts(counts)}`);
  console.log(JSON.stringify({ slot, counts }));
  if (unsent > 0) console.log(`${unsent} cards are still waiting for Slack; the running bot will post them.`);
  return counts.errors > 0 ? 1 : 0;
}

/** `npm run digest` (src/app/digest-once.ts): what was posted, in words. */
export async function digestCommand(config: Config, logger: Logger, clock: Clock): Promise<number> {
  try {
    const { slot, outcome } = await runDigestOnce(config, { logger, clock, runner: `cli:${process.pid}` });
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
  }
}
