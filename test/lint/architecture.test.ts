import { describe, expect, it } from "vitest";
import { checkArchitecture, MAX_FILE_LINES, MAX_FUNCTION_LINES } from "../../scripts/architecture-rules.js";

/** A tiny `src/` tree: path → text. Each test adds the one file that breaks one rule. */
function tree(files: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(files));
}

const CLEAN = {
  "src/main.ts": 'import { start } from "./app/bot.js";\nawait start();\n',
  "src/app/bot.ts": 'import { handle } from "../bot/app.js";\nexport async function start() { handle(); }\n',
  "src/bot/app.ts":
    'import { refresh } from "../pending/refresh.js";\nexport function handle() { refresh(); }\n',
  "src/pending/refresh.ts":
    'import { read } from "../db/rows.repository.js";\nexport function refresh() { read(); }\n',
  "src/db/rows.repository.ts": "export function read() { return 1; }\n",
  "src/clock.ts": "export const systemClock = { now: () => new Date() };\n",
};

function rulesOf(files: Record<string, string>): string[] {
  return checkArchitecture(tree({ ...CLEAN, ...files })).map(
    (violation) => `${violation.rule} ${violation.file}`,
  );
}

describe("the architecture rules (npm run lint)", () => {
  it("accept a tree whose imports point inward", () => {
    expect(checkArchitecture(tree(CLEAN))).toEqual([]);
  });

  it("reject an import of the entry point, even a dynamic one", () => {
    expect(rulesOf({ "src/ops/run.ts": 'export const load = () => import("../main.js");\n' })).toEqual([
      "entry-point src/ops/run.ts",
    ]);
  });

  it("reject the domain importing the config, even for a type", () => {
    expect(
      rulesOf({ "src/pending/sla.ts": 'import type { Config } from "../config.js";\n', "src/config.ts": "" }),
    ).toEqual(["forbidden-import src/pending/sla.ts"]);
  });

  it("reject a repository importing the domain, and the Peeker client importing a repository", () => {
    expect(
      rulesOf({
        "src/db/other.repository.ts": 'export { refresh } from "../pending/refresh.js";\n',
        "src/peeker/client.ts": 'import type { X } from "../db/rows.repository.js";\n',
      }),
    ).toEqual([
      "forbidden-import src/db/other.repository.ts",
      "forbidden-import src/peeker/client.ts",
      "folder-cycle src/db/other.repository.ts",
    ]);
  });

  it("reject jobs importing bot, which also closes a bot ⇄ jobs folder cycle", () => {
    expect(
      rulesOf({
        "src/jobs/loop.ts": 'import { handle } from "../bot/app.js";\nexport const loop = handle;\n',
        "src/bot/app.ts": 'import { loop } from "../jobs/loop.js";\nexport function handle() { loop; }\n',
      }),
    ).toEqual([
      "forbidden-import src/jobs/loop.ts",
      "file-cycle src/bot/app.ts",
      "folder-cycle src/bot/app.ts",
    ]);
  });

  it("reject a cycle between two files of one folder, hidden behind a dynamic import", () => {
    expect(
      rulesOf({
        "src/bot/help.ts": 'import { all } from "./registry.js";\nexport const help = all;\n',
        "src/bot/registry.ts": 'export const all = () => import("./help.js");\n',
      }),
    ).toEqual(["file-cycle src/bot/help.ts"]);
  });

  it("reject a listener reaching a repository, and a view importing a row type", () => {
    expect(
      rulesOf({
        "src/bot/listeners/status.ts": 'import { read } from "../../db/rows.repository.js";\nread();\n',
        "src/bot/views/card.ts": 'import type { Row } from "../../db/rows.repository.js";\n',
      }),
    ).toEqual(["forbidden-import src/bot/listeners/status.ts", "forbidden-import src/bot/views/card.ts"]);
  });

  it("reject a file over the line limit and a function over its limit", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, index) => `  const v${index} = ${index};`);
    const longFunction = `export function long() {\n${body.join("\n")}\n}\n`;
    const longFile = Array.from({ length: MAX_FILE_LINES + 1 }, (_, index) => `export const c${index} = 1;`);
    expect(
      rulesOf({ "src/pending/long.ts": longFunction, "src/pending/big.ts": `${longFile.join("\n")}\n` }),
    ).toEqual(["file-length src/pending/big.ts", "function-length src/pending/long.ts"]);
  });

  it("reject the wall clock, the environment and global fetch outside the entry point and the clock", () => {
    expect(
      rulesOf({
        "src/jobs/tick.ts":
          "export const a = Date.now();\nexport const b = new Date();\nexport const c = process.env.X;\nfetch('x');\n",
        "src/jobs/ok.ts": "export const at = new Date(0);\nexport const t = performance.now();\n",
      }),
    ).toEqual([
      "hidden-input src/jobs/tick.ts",
      "hidden-input src/jobs/tick.ts",
      "hidden-input src/jobs/tick.ts",
      "hidden-input src/jobs/tick.ts",
    ]);
  });
});
