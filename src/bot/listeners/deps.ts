import type { Kysely } from "kysely";
import type { Clock } from "../../clock.js";
import type { Config } from "../../config.js";
import type { Database } from "../../db/schema.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { PeekerClient } from "../../peeker/client.js";
import type { CardPublisher } from "../../pending/apply-snapshot.js";

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
}
