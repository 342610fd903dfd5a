import type { Kysely } from "kysely";
import type { Clock } from "../../clock.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/schema.js";
import type { DigestRun } from "../../jobs/digest.js";
import type { ReconcileOutcome } from "../../jobs/reconcile.js";
import type { SlotOutcome } from "../../jobs/slots.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { PictureUrlCheck } from "../../net/picture-url-check.js";
import type { PeekerClient } from "../../peeker/client.js";
import type { CardPublisher } from "../../pending/apply-snapshot.js";
import type { OperatorCheck } from "../../pending/permissions.js";
import type { HomeService } from "../home.js";
import type { PermalinkLookup } from "../slack-clients.js";

/** What every Slack listener may use; built once in main.ts. */
export interface ListenerDeps {
  config: Config;
  db: Kysely<Database>;
  peeker: PeekerClient;
  publisher: CardPublisher;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Wakes the Slack sender after a card change committed. */
  wakeSender: () => void;
  /** This process's worker id (leases, run slots). */
  runner: string;
  /** SLACK_OPERATORS, user groups expanded and cached: who may claim and resolve (design §7). */
  isOperator: OperatorCheck;
  /** The SSRF-safe check of a picture URL typed into the reorder modal (design §7). */
  checkPictureUrl: PictureUrlCheck;
  /** Runs one reconcile in a slot (`/peeker reconcile` uses a manual slot, so a minute runs once). */
  runReconcile(slot: string): Promise<ReconcileOutcome>;
  /** The digest, the App Home and card permalinks (`/peeker digest|pending|status`, `app_home_opened`). */
  visibility: {
    runDigest(slot: string): Promise<SlotOutcome<DigestRun>>;
    home: HomeService;
    permalink: PermalinkLookup;
  };
}
