/**
 * ULID-like ids (`ord_01HZX0…`, 26 Crockford base-32 characters after the prefix, reference §2.7).
 * A process-wide counter sits right after the time part, so ids made in the same millisecond still sort in
 * creation order — lists break created_at ties on the id, and "newest first" must stay stable.
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let counter = 0;

function encode(value: number, length: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function randomPart(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return out;
}

export function ulid(atMs: number): string {
  counter = (counter + 1) % 32 ** 6;
  return `${encode(atMs, 10)}${encode(counter, 6)}${randomPart(10)}`;
}

export function newId(prefix: string, atMs: number = Date.now()): string {
  return `${prefix}_${ulid(atMs)}`;
}

/** ISO-8601 UTC without milliseconds, as in every reference example (`2026-05-08T12:00:00Z`). */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
