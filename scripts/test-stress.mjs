#!/usr/bin/env node
// `npm run test:stress -- [runs] [--no-load] [--load-procs N] [--keep]`
//
// Runs the whole suite `runs` times (default 3) from a clean clone of the current checkout's HEAD (committed work
// only: `git clone` of this repository into a temporary folder, then `npm ci`), with every core busy (one node
// busy loop per core, unless --no-load), and prints each run's time and exit code and, per test, how many runs it
// failed in. A flake is a real finding: tests wait for facts, never for a fixed time (docs/architecture.md, Tests).
// Exit code 1 when any run failed.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? Number(args[at + 1]) : fallback;
};
const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const load = !flag("--no-load");
const loadProcs = option("--load-procs", availableParallelism());
const keep = flag("--keep");

const repo = path.resolve(import.meta.dirname, "..");
const work = mkdtempSync(path.join(tmpdir(), "peeker-stress-"));
// mkdtemp makes it private (0700); run as root, the embedded PostgreSQL runs as the `postgres` user, which must
// reach the clone's node_modules binaries through it.
chmodSync(work, 0o755);
const clone = path.join(work, "repo");

function run(command, argv, cwd) {
  const result = spawnSync(command, argv, { cwd, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${argv.join(" ")} failed (${result.status})`);
}

const loaders = [];
function startLoad() {
  for (let i = 0; i < loadProcs; i++) {
    // A busy loop: one core each, until this script stops it.
    loaders.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  }
}
function stopLoad() {
  for (const child of loaders.splice(0)) child.kill("SIGKILL");
}
process.on("exit", stopLoad);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopLoad();
    process.exit(130);
  });
}

/** One suite run with vitest's JSON report next to the usual output; resolves with its time and report. */
function suiteRun(index) {
  const report = path.join(work, `run-${index}.json`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      "npx",
      ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
      { cwd: clone, stdio: "inherit" },
    );
    child.on("exit", (code) => {
      let parsed;
      try {
        parsed = JSON.parse(readFileSync(report, "utf8"));
      } catch {
        parsed = undefined;
      }
      resolve({ index, code, seconds: (Date.now() - started) / 1000, report: parsed });
    });
  });
}

/** Failed tests of one report, as "file > full name"; a file that failed outside its tests counts as one entry. */
function failuresOf(report) {
  if (!report) return ["(no JSON report: the run crashed)"];
  const failed = [];
  for (const file of report.testResults ?? []) {
    const name = path.relative(clone, file.name);
    const tests = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const test of tests) failed.push(`${name} > ${test.fullName}`);
    if (tests.length === 0 && file.status === "failed")
      failed.push(`${name} (file: ${oneLine(file.message)})`);
  }
  return failed;
}

/** The report is the script's output (stdout), not debugging. */
const say = (line) => process.stdout.write(`${line}\n`);
const oneLine = (text) =>
  String(text ?? "")
    .split("\n")[0]
    .slice(0, 160);

say(`test:stress: cloning ${repo} (HEAD) into ${clone}`);
run("git", ["clone", "--quiet", repo, clone], work);
run("npm", ["ci", "--no-audit", "--no-fund"], clone);

const results = [];
try {
  if (load) startLoad();
  say(`test:stress: ${runs} run(s), ${load ? `${loadProcs} busy loop(s) loading the CPU` : "no extra load"}`);
  for (let i = 1; i <= runs; i++) {
    say(`\n=== test:stress run ${i}/${runs} ===`);
    results.push(await suiteRun(i));
  }
} finally {
  stopLoad();
}

const counts = new Map();
for (const result of results) {
  for (const name of failuresOf(result.report)) counts.set(name, (counts.get(name) ?? 0) + 1);
}
say(`\n=== test:stress summary (${load ? `loaded, ${loadProcs} busy loops` : "unloaded"}) ===`);
for (const r of results) {
  const total = r.report?.numTotalTests ?? "?";
  const failed = r.report?.numFailedTests ?? "?";
  say(`run ${r.index}: exit ${r.code}, ${r.seconds.toFixed(1)} s, ${failed} of ${total} tests failed`);
}
if (counts.size === 0) say("per-test failures: none");
else {
  say("per-test failures (runs failed / runs):");
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) say(`  ${n}/${runs}  ${name}`);
}
if (keep) say(`kept ${work} (clone and JSON reports)`);
else rmSync(work, { recursive: true, force: true });
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
