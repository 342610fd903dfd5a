import type { Clock } from "../../clock.js";
import type { Config } from "../../config.js";
import type { DigestRun } from "../../jobs/digest.js";
import type { ReconcileOutcome } from "../../jobs/reconcile.js";
import type { SlotOutcome } from "../../jobs/slots.js";
import type { Logger } from "../../logger.js";
import type { FlowDeps } from "../../pending/flow-deps.js";
import type { Lookups } from "../../pending/lookups.js";
import type { OpsStatus } from "../../pending/ops-status.js";
import type { HomeService } from "../home.js";
import type { PermalinkLookup } from "../slack-clients.js";

/**
 * What every Slack listener may use; built once by the composition root (src/app/bot.ts `listenerDeps`).
 * Listeners reach the database and Peeker only through the domain objects here: the read models, and `flows`,
 * which they pass on unchanged.
 */
export interface ListenerDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Wakes the Slack sender after a card change committed. */
  wakeSender: () => void;
  /** The resolving flows, card buttons, operator gate and `/peeker link` take this as their deps. */
  flows: FlowDeps;
  /** `/peeker order|import|swap|domain|pending|history`. */
  lookups: Lookups;
  /** `/peeker status` and its *Retry*, the last run of `/peeker reconcile`. */
  opsStatus: OpsStatus;
  /** Runs one reconcile in a slot (`/peeker reconcile` uses a manual slot, so a minute runs once). */
  runReconcile(slot: string): Promise<ReconcileOutcome>;
  /** The digest, the App Home and card permalinks (`/peeker digest|pending|status`, `app_home_opened`). */
  visibility: {
    runDigest(slot: string): Promise<SlotOutcome<DigestRun>>;
    home: HomeService;
    permalink: PermalinkLookup;
  };
}
