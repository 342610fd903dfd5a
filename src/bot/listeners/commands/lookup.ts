import { code } from "../../views/format.js";
import type { SlashAnswer } from "./types.js";

/**
 * Shared by the lookup subcommands: parsing what people type (Slack escapes it, `should_escape: true`) and a bad
 * id in words. The lookups themselves are the domain's (pending/lookups.ts).
 */

/** `<http://acme.com|acme.com>` → `acme.com`, `<mailto:a@b|a@b>` → `a@b`; plain text unchanged. */
export function unescapeSlack(raw: string): string {
  const link = /^<([^|>]*)(?:\|([^>]*))?>$/.exec(raw.trim());
  if (!link) return raw.trim();
  return (link[2] ?? link[1] ?? "").replace(/^(mailto:|https?:\/\/)/, "").trim();
}

const ID_BODY = /^[A-Za-z0-9]{4,64}$/;

/** A Peeker id of the given prefix, or undefined. */
export function parsePeekerId(raw: string | undefined, prefix: "ord" | "imp" | "swp"): string | undefined {
  if (raw === undefined) return undefined;
  const value = unescapeSlack(raw);
  if (!value.startsWith(`${prefix}_`)) return undefined;
  return ID_BODY.test(value.slice(prefix.length + 1)) ? value : undefined;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9]$/;

/** A domain name, lower-cased, or undefined. */
export function parseDomain(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = unescapeSlack(raw).toLowerCase().replace(/\.$/, "").replace(/\/.*$/, "");
  return DOMAIN.test(value) ? value : undefined;
}

export const EXAMPLE_IDS = {
  ord: "ord_01HZX0OR1A2B3C4D5E6F7G8H",
  imp: "imp_01HZX0IM1A2B3C4D5E6F7G8H",
  swp: "swp_01HZX0SW1A2B3C4D5E6F7G8H",
} as const;

const WHAT = { ord: "an order id", imp: "an import id", swp: "a swap id" } as const;

/** "`x` is not an order id: order ids look like ord_…". */
export function badId(raw: string | undefined, prefix: keyof typeof WHAT, usage: string): SlashAnswer {
  const given = raw === undefined ? "Missing" : `${code(raw, 60)} is not`;
  return {
    text: `${given} ${WHAT[prefix]}: they look like \`${EXAMPLE_IDS[prefix]}\`. Usage: \`/peeker ${usage}\`.`,
  };
}
