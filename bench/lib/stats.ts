import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Percentile of a sorted-or-not sample (nearest rank); undefined for an empty one. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Row {
  what: string;
  measured: string;
  target: string;
  ok: boolean | undefined;
}

export function printTable(title: string, rows: Row[]): void {
  const widths = [
    Math.max(4, ...rows.map((r) => r.what.length)),
    Math.max(8, ...rows.map((r) => r.measured.length)),
    Math.max(6, ...rows.map((r) => r.target.length)),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(`\n${title}\n`);
  console.log(`${line(["what", "measured", "target"])} ok |`);
  console.log(`${line(widths.map((w) => "-".repeat(w)))} -- |`);
  for (const row of rows) {
    console.log(
      `${line([row.what, row.measured, row.target])} ${row.ok === undefined ? "  " : row.ok ? "✓ " : "✗ "} |`,
    );
  }
}

export function writeResults(name: string, data: unknown): string {
  const dir = path.resolve(import.meta.dirname, "../results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

export const ms = (value: number | undefined) => (value === undefined ? "n/a" : `${value.toFixed(1)} ms`);
