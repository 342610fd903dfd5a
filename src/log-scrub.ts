/**
 * Secrets out of log strings. pino's `redact` blanks object paths, but libraries log whole payloads as plain
 * strings: at LOG_LEVEL=debug the Socket Mode client prints every envelope it receives ("Received a message on
 * the WebSocket: {…}"), and Bolt prints every request body, so a sequencer password typed into the reorder modal
 * would be written out as it came. Every string that reaches a log line goes through `scrubText`.
 */

const REDACTED = "[redacted]";

// Token shapes that are secret whatever their value: Slack bot/user/app tokens, Peeker API keys and webhook
// secrets. A configured value of another shape is caught by the exact match below.
const TOKEN_SHAPES =
  /\b(?:xox[abposre]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|pk_(?:test|live)_[A-Za-z0-9_-]{4,}|whsec_[A-Za-z0-9_-]{4,})/g;

// A JSON member whose key mentions a password or secret (a modal's block id `sequencer_password`, an action id
// `peeker:input:sequencer_password`, `login_password`, …): its value goes, whether a string or an object up to
// three levels deep (Slack's `state.values[block][action].value`). Twice: as plain JSON, and as JSON escaped
// inside another JSON string (a payload logged inside a logged body).
const OBJECT_VALUE = String.raw`\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}`;
const SECRET_KEY = String.raw`[^"\\]*(?:password|passwd|secret)[^"\\]*`;
const SECRET_MEMBER_PLAIN = new RegExp(
  String.raw`((?<!\\)"${SECRET_KEY}"\s*:\s*)(${OBJECT_VALUE}|"(?:[^"\\]|\\.)*")`,
  "gi",
);
const SECRET_MEMBER_ESCAPED = new RegExp(
  String.raw`(\\"${SECRET_KEY}\\"\s*:\s*)(${OBJECT_VALUE}|\\"(?:[^"\\]|\\\\.)*?\\")`,
  "gi",
);

export type Scrubber = (text: string) => string;

/** A scrubber that also removes each configured secret wherever it appears (tokens of unusual shape, passwords). */
export function createScrubber(secrets: readonly string[] = []): Scrubber {
  const exact = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of exact) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (out.includes("xox") || out.includes("xapp-") || out.includes("pk_") || out.includes("whsec_")) {
      out = out.replace(TOKEN_SHAPES, REDACTED);
    }
    if (/passw|secret/i.test(out)) {
      out = out
        .replace(SECRET_MEMBER_ESCAPED, `$1\\"${REDACTED}\\"`)
        .replace(SECRET_MEMBER_PLAIN, `$1"${REDACTED}"`);
    }
    return out;
  };
}
