import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { silentLogger } from "../../src/logger.js";
import { admin } from "../lib/bench-database.js";

/**
 * The chaos bench's PostgreSQL: a scratch database on the server named by BENCH_DATABASE_URL (an admin URL,
 * dropped at the end), otherwise an embedded server in a temporary folder, as the test global setup does.
 */
export interface ChaosDatabase {
  url: string;
  kind: string;
  close(): Promise<void>;
}

export async function openChaosDatabase(adminUrl: string | undefined): Promise<ChaosDatabase> {
  if (adminUrl) {
    const name = `peeker_chaos_${process.pid}`;
    await admin(adminUrl, `CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      kind: `${url.host} (scratch database ${name})`,
      close: () => admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "peeker-chaos-db-"));
  const embedded = await startEmbeddedPostgres({ dataDir: dir, logger: silentLogger() });
  return {
    url: embedded.url,
    kind: "embedded",
    async close() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
