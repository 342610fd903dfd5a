import type { Kysely } from "kysely";
import type { Config } from "../config.js";
import type { Database } from "../db/schema.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { CardPublisher } from "../pending/apply-snapshot.js";
import { runNudges } from "../pending/nudges.js";
import { runInSlot, type SlotOutcome } from "./slots.js";

/**
 * The SLA-nudge job: one batch per cron slot across replicas (job "nudge"). The per-period record in
 * `pending_actions` already makes a nudge happen once; the slot keeps replicas from doing the scan twice.
 */

export const NUDGE_JOB = "nudge";

export interface NudgeJobDeps {
  db: Kysely<Database>;
  publisher: CardPublisher;
  config: Pick<Config, "slaMinutes"> & { slack: Pick<Config["slack"], "operators"> };
  logger: Logger;
  runner: string;
  now: () => Date;
  wakeSender: () => void;
  metrics?: Metrics;
}

export async function runNudgeJob(
  deps: NudgeJobDeps,
  slot: string,
): Promise<SlotOutcome<{ counts: Record<string, number> }>> {
  const outcome = await runInSlot(deps, NUDGE_JOB, slot, async () => {
    const result = await runNudges({
      db: deps.db,
      publisher: deps.publisher,
      sla: deps.config.slaMinutes,
      operators: deps.config.slack.operators,
      now: deps.now(),
    });
    return { counts: { nudged: result.nudged, more: result.more ? 1 : 0 } };
  });
  if (outcome.ran && (outcome.result.counts.nudged ?? 0) > 0) {
    deps.metrics?.nudges.inc(outcome.result.counts.nudged);
    deps.logger.info({ nudged: outcome.result.counts.nudged }, "SLA nudges queued");
    deps.wakeSender();
  }
  return outcome;
}
