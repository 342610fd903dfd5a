/**
 * The layering of design §2, written down once and checked by `npm run lint` (scripts/check-architecture.ts).
 *
 * A module's *layer* is its first folder under `src/` (`src/pending/open-actions.ts` → `pending`), or the file itself
 * for the files at the top of `src/` (`src/main.ts` → `main.ts`). Files at the top (clock, logger, metrics, …)
 * are shared kernels: any layer may use them unless a rule below says otherwise.
 */
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One import from a source file: where it points and on which line it was written. */
export interface ImportEdge {
  from: string;
  to: string;
  line: number;
}

export interface Violation {
  rule: string;
  file: string;
  line: number;
  message: string;
}

/** What the checked files look like: path relative to the project root (`src/…`) → source text. */
export type SourceTree = ReadonlyMap<string, string>;

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;

/** Imports that must never exist (design §2): importing layer → layers it must not import. */
export const FORBIDDEN_IMPORTS: ReadonlyArray<{ from: string; to: readonly string[]; why: string }> = [
  {
    from: "peeker",
    to: ["bot", "db", "pending", "jobs", "app"],
    why: "the Peeker client imports nothing of ours",
  },
  { from: "db", to: ["bot", "pending", "jobs", "peeker", "app"], why: "repositories import nothing of ours" },
  {
    from: "pending",
    to: ["bot", "jobs", "app", "main.ts", "config.ts"],
    why: "the domain never imports Bolt, the wiring or the config (types it needs live in the domain)",
  },
  { from: "bot", to: ["main.ts", "app"], why: "listeners get their dependencies passed in" },
  {
    from: "jobs",
    to: ["bot", "app", "main.ts"],
    why: "jobs reach Slack through the domain's sender interface",
  },
  {
    from: "net",
    to: ["bot", "db", "pending", "jobs", "app", "peeker"],
    why: "network guards import nothing of ours",
  },
];

/** Finer rules inside a layer: files under `from` must not import files under any of `to` (path prefixes). */
export const FORBIDDEN_PATHS: ReadonlyArray<{ from: string; to: readonly string[]; why: string }> = [
  {
    from: "src/bot/listeners/",
    to: ["src/db/", "src/peeker/client.ts", "src/peeker/index.ts"],
    why: "listeners call domain functions only, never a repository or the Peeker client",
  },
  { from: "src/bot/views/", to: ["src/db/"], why: "views render their own view models, not rows" },
];

/**
 * Globals that hide an input: the wall clock (`Date.now()`, `new Date()`), the environment and global `fetch`.
 * Only the entry point and the clock itself read them; everything else receives a `Clock`, its config and a
 * dispatcher. Elapsed time is measured with `performance.now()`, which no clock setting moves.
 */
export const GLOBALS_ALLOWED_IN: readonly string[] = ["src/main.ts", "src/clock.ts"];

/** `main.ts` is the entry point: nothing imports it. */
export const ENTRY_POINT = "src/main.ts";

export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] !== "src") return parts[0] ?? file;
  return parts[1] as string;
}

/** Every static, type-only, re-export and dynamic `import("…")` of a file, resolved to project paths. */
export function importsOf(file: string, text: string, tree: SourceTree): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Expression, node: ts.Node) => {
    if (!ts.isStringLiteralLike(specifier)) return;
    const to = resolveSpecifier(file, specifier.text, tree);
    if (to === undefined) return;
    edges.push({ from: file, to, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument) add(argument, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** `./x.js` from `src/a/b.ts` → `src/a/x.ts` when that file is in the tree; packages are not ours. */
function resolveSpecifier(file: string, specifier: string, tree: SourceTree): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = relative(resolve("."), resolve(dirname(file), specifier))
    .split("\\")
    .join("/");
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    base,
    `${base}.ts`,
    join(base, "index.ts").split("\\").join("/"),
  ];
  return candidates.find((candidate) => tree.has(candidate));
}

export function forbiddenImports(edges: readonly ImportEdge[]): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const to = layerOf(edge.to);
    if (edge.to === ENTRY_POINT) {
      violations.push({
        rule: "entry-point",
        file: edge.from,
        line: edge.line,
        message: `imports ${edge.to}: nothing imports the entry point (design §2)`,
      });
      continue;
    }
    for (const rule of FORBIDDEN_IMPORTS) {
      if (rule.from === from && rule.to.includes(to) && from !== to) {
        violations.push({
          rule: "forbidden-import",
          file: edge.from,
          line: edge.line,
          message: `${from} must not import ${to} (${edge.to}): ${rule.why}`,
        });
      }
    }
  }
  return violations;
}

export function forbiddenPaths(edges: readonly ImportEdge[]): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    for (const rule of FORBIDDEN_PATHS) {
      if (!edge.from.startsWith(rule.from)) continue;
      if (!rule.to.some((prefix) => edge.to.startsWith(prefix))) continue;
      violations.push({
        rule: "forbidden-import",
        file: edge.from,
        line: edge.line,
        message: `imports ${edge.to}: ${rule.why}`,
      });
    }
  }
  return violations;
}

/** `Date.now()`, `new Date()` with no argument, `process.env` and a call of the global `fetch`. */
export function hiddenInputs(file: string, text: string): Violation[] {
  if (GLOBALS_ALLOWED_IN.includes(file)) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const violations: Violation[] = [];
  const report = (node: ts.Node, what: string, instead: string) =>
    violations.push({
      rule: "hidden-input",
      file,
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      message: `${what}: ${instead}`,
    });
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const owner = node.expression.text;
      if (owner === "Date" && node.name.text === "now") {
        report(node, "Date.now()", "take the injected clock (or performance.now() for elapsed time)");
      } else if (owner === "process" && node.name.text === "env") {
        report(node, "process.env", "read settings through loadConfig(env) in the entry point");
      }
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Date"
    ) {
      if ((node.arguments?.length ?? 0) === 0) report(node, "new Date()", "take the injected clock");
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "fetch"
    ) {
      report(node, "global fetch", "use the undici dispatcher the caller passes in");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}

/** Strongly connected components of a graph with more than one node (or a self-loop): the cycles. */
export function cyclesOf(nodes: readonly string[], next: (node: string) => readonly string[]): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!indexOf.has(target)) {
        connect(target);
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, indexOf.get(target) as number));
      }
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || next(node).includes(node)) cycles.push(component.sort());
  };
  for (const node of nodes) if (!indexOf.has(node)) connect(node);
  return cycles;
}

export function fileCycles(files: readonly string[], edges: readonly ImportEdge[]): Violation[] {
  const targets = groupTargets(edges, (file) => file);
  return cyclesOf(files, (file) => targets.get(file) ?? []).map((cycle) => ({
    rule: "file-cycle",
    file: cycle[0] as string,
    line: 1,
    message: `files import each other in a cycle: ${cycle.join(" ⇄ ")}`,
  }));
}

/** Folder cycles: layers that import each other, directly or through others (bot ⇄ jobs, say). */
export function folderCycles(edges: readonly ImportEdge[]): Violation[] {
  const folders = [...new Set(edges.flatMap((edge) => [layerOf(edge.from), layerOf(edge.to)]))].filter(
    isFolder,
  );
  const targets = groupTargets(
    edges.filter((edge) => isFolder(layerOf(edge.from)) && isFolder(layerOf(edge.to))),
    layerOf,
  );
  return cyclesOf(folders, (folder) => (targets.get(folder) ?? []).filter((to) => to !== folder)).map(
    (cycle) => {
      const witness = edges.find(
        (edge) => cycle.includes(layerOf(edge.from)) && cycle.includes(layerOf(edge.to)),
      );
      return {
        rule: "folder-cycle",
        file: witness?.from ?? `src/${cycle[0]}`,
        line: witness?.line ?? 1,
        message: `folders import each other in a cycle: ${cycle.join(" ⇄ ")}`,
      };
    },
  );
}

function isFolder(layer: string): boolean {
  return !layer.endsWith(".ts");
}

function groupTargets(edges: readonly ImportEdge[], key: (file: string) => string): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const edge of edges) {
    const from = key(edge.from);
    const list = targets.get(from) ?? [];
    const to = key(edge.to);
    if (!list.includes(to)) list.push(to);
    targets.set(from, list);
  }
  return targets;
}

export function longFiles(tree: SourceTree): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of tree) {
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_FILE_LINES) {
      violations.push({
        rule: "file-length",
        file,
        line: MAX_FILE_LINES + 1,
        message: `${lines} lines; a file holds one job in at most ${MAX_FILE_LINES}`,
      });
    }
  }
  return violations;
}

/** Functions, methods and arrow functions longer than the limit, counted from their first to last line. */
export function longFunctions(file: string, text: string): Violation[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const violations: Violation[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const lines = last - first + 1;
      if (lines > MAX_FUNCTION_LINES) {
        violations.push({
          rule: "function-length",
          file,
          line: first,
          message: `${nameOf(node)} is ${lines} lines; at most ${MAX_FUNCTION_LINES}`,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return violations;
}

function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "an anonymous function";
}

/** Every rule over a tree of `src/` files. */
export function checkArchitecture(tree: SourceTree): Violation[] {
  const files = [...tree.keys()].sort();
  const edges = files.flatMap((file) => importsOf(file, tree.get(file) as string, tree));
  return [
    ...forbiddenImports(edges),
    ...forbiddenPaths(edges),
    ...fileCycles(files, edges),
    ...folderCycles(edges),
    ...longFiles(tree),
    ...files.flatMap((file) => longFunctions(file, tree.get(file) as string)),
    ...files.flatMap((file) => hiddenInputs(file, tree.get(file) as string)),
  ];
}
