import { createHash } from "node:crypto";

export interface Hashable {
  text: string;
  blocks: unknown;
  metadata?: unknown;
}

/**
 * The outbox posts a card when its desired hash differs from the posted one. Keys are sorted before hashing
 * because a render read back from a jsonb column comes with its keys reordered, and must hash the same.
 */
export function cardHash(rendered: Hashable): string {
  const canonical = canonicalJson({
    text: rendered.text,
    blocks: rendered.blocks,
    metadata: rendered.metadata ?? null,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
