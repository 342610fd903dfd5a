// `npm run build`: the application only (tsconfig.build.json: src/ → dist/), with the migrations copied beside
// it (dist/migrations), so `node dist/main.js` needs nothing but dist/, node_modules and package.json.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// A stale dist/ would keep files whose source was deleted.
rmSync("dist", { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
cpSync("migrations", "dist/migrations", { recursive: true });
