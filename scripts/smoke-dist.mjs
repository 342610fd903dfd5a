// Starts the compiled bot as production runs it (`node dist/main.js start`, no tsx), waits for GET /readyz to
// answer 200, then stops it with SIGTERM and expects a clean exit. Used by .ci/run after `npm run build`, and to
// check a scratch install (`npm ci --omit=dev`):  node scripts/smoke-dist.mjs [folder with dist/]
// DATABASE_URL from the environment is used (NODE_ENV=production); without it, the embedded database in a
// temporary DATA_DIR (DATABASE_URL=embedded).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(process.argv[2] ?? ".");
const dataDir = mkdtempSync(path.join(tmpdir(), "peeker-smoke-"));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: "production",
  DATABASE_URL: process.env.DATABASE_URL || "embedded",
  DATA_DIR: dataDir,
  PORT: "0",
  LOG_LEVEL: "info",
  // Valid settings; Slack and Peeker are not reached before /readyz (a closed loopback port).
  SLACK_BOT_TOKEN: "xoxb-smoke-test-token",
  SLACK_SIGNING_SECRET: "smoke-signing-secret",
  SLACK_CHANNEL_ID: "C0SMOKE001",
  SLACK_API_URL: "http://127.0.0.1:9/api/",
  PEEKER_API_KEY: "pk_test_smoke_key",
  PEEKER_API_URL: "http://127.0.0.1:9/partner/v1",
  RECONCILE_CRON: "off",
  DIGEST_CRON: "off",
};

const started = Date.now();
const child = spawn(process.execPath, ["dist/main.js", "start"], {
  cwd: root,
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
child.stdout.on("data", (chunk) => (output += chunk));
child.stderr.on("data", (chunk) => (output += chunk));
const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));

function fail(message) {
  console.error(`smoke-dist: ${message}\n--- bot output ---\n${output}`);
  child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}

let ready = false;
while (!ready) {
  if (child.exitCode !== null) fail(`the bot exited with ${child.exitCode} before /readyz answered`);
  if (Date.now() - started > 60_000) fail("/readyz did not answer 200 within 60 s");
  const port = /"port":(\d+),[^\n]*"msg":"bot started"/.exec(output)?.[1];
  if (port) {
    try {
      ready = (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      // not listening yet
    }
  }
  if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
}
const readyMs = Date.now() - started;
child.kill("SIGTERM");
const code = await Promise.race([
  exited,
  new Promise((resolve) => setTimeout(() => resolve("timeout"), 15_000)),
]);
rmSync(dataDir, { recursive: true, force: true });
if (code !== 0) fail(`SIGTERM ended the bot with ${code}, expected exit code 0`);
const database = /"msg":"using (the embedded database|DATABASE_URL)"/.exec(output)?.[1];
console.log(`smoke-dist: node dist/main.js ready in ${readyMs} ms (${database}), stopped cleanly on SIGTERM`);
