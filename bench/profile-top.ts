/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [count]` — the functions with the most self time in a V8 CPU
 * profile (node --cpu-prof), with their share of the samples; what bench/README.md summarises.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countText] = process.argv.slice(2);
if (!file) throw new Error("usage: bench/profile-top.ts <file.cpuprofile> [count]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map<string, number>();
let total = 0;
for (const [i, id] of profile.samples.entries()) {
  const delta = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(dist|src)\//, "$1/");
  const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + delta);
  total += delta;
}
const idle = selfMicros.get("(idle) :0") ?? 0;
console.log(
  `samples ${profile.samples.length}, ${(total / 1e6).toFixed(1)} s, idle ${((100 * idle) / total).toFixed(1)} %`,
);
const top = [...selfMicros.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countText ?? 25));
for (const [key, micros] of top) {
  console.log(
    `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`,
  );
}
