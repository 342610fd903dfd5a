/**
 * `npm run lint:architecture` (part of `npm run lint`): design §2's layering, file and folder cycles, and the
 * size limits, over every `.ts` file under `src/`. Prints one line per violation and exits 1 when any exists.
 * The rules live in scripts/architecture-rules.ts; test/lint/architecture.test.ts shows each one failing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkArchitecture } from "./architecture-rules.js";

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name).split("\\").join("/");
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const tree = new Map(sourceFiles("src").map((file) => [file, readFileSync(file, "utf8")] as const));
const violations = checkArchitecture(tree);
for (const violation of violations) {
  console.error(`${violation.file}:${violation.line}  ${violation.rule}  ${violation.message}`);
}
if (violations.length > 0) {
  console.error(`\n${violations.length} architecture violations (rules: scripts/architecture-rules.ts)`);
  process.exit(1);
}
console.log(`architecture: ${tree.size} files, no forbidden import, no cycle, no file or function too long`);
