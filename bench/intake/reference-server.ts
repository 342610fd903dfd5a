/**
 * The minimal reference intake (issue #14): plain node:http doing only what the bot's intake must do — read the
 * body, `verifyWebhook` (the bot's own function), `insertWebhookEvent` (the bot's own statement, src/db/inbox-intake.repository.ts) on a pool
 * opened with the bot's own settings — and answering 200 after the commit. No Bolt, no logging, no metrics, no
 * processor. Run as a child by bench/intake/processes.ts; prints `{"port":…}` once listening.
 *
 * Env: DATABASE_URL, PEEKER_WEBHOOK_SECRET, DATABASE_INTAKE_POOL_MAX.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { insertWebhookEvent } from "../../src/db/inbox-intake.repository.js";
import { migrate } from "../../src/db/migrate.js";
import { openDatabase } from "../../src/db/pool.js";
import { silentLogger } from "../../src/logger.js";
import { eventFromObject, verifyWebhook } from "../../src/peeker/webhooks.js";
import { inboxRowOf } from "../../src/pending/intake.js";

const url = process.env.DATABASE_URL ?? "";
const secrets = [process.env.PEEKER_WEBHOOK_SECRET ?? ""];
const max = Number(process.env.DATABASE_INTAKE_POOL_MAX ?? 10);
const logger = silentLogger();
const database = openDatabase(url, logger, { max, applicationName: "peeker-bench-reference" });
await migrate(database.pool, logger);

const answer = (res: import("node:http").ServerResponse, status: number, text: string) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const rawBody = Buffer.concat(chunks);
    const verified = verifyWebhook({
      headers: req.headers,
      rawBody,
      secrets,
      toleranceSeconds: 300,
      nowSeconds: Date.now() / 1000,
    });
    if (!verified.ok) return answer(res, verified.status, '{"error":"rejected"}');
    // The INSERT stores the event's type and the resource it names (or, naming none, stores it settled with its
    // audit row), so the reference parses the body and builds the row as the bot must.
    const event = eventFromObject(JSON.parse(rawBody.toString("utf8")) as Record<string, unknown>);
    insertWebhookEvent(
      database.pool,
      inboxRowOf(event, {
        eventId: verified.eventId,
        timestamp: verified.timestamp,
        rawBody: rawBody.toString("utf8"),
      }),
    ).then(
      () => answer(res, 200, '{"ok":true}'),
      () => answer(res, 503, '{"error":"database"}'),
    );
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on("SIGTERM", () => {
  server.close();
  void database.close().then(() => process.exit(0));
});
