/**
 * Turning one HTTP answer into either the validated body or a `PeekerError` (reference §2.2–2.4): a 2xx must be
 * JSON matching the schema; anything else must be Peeker's error envelope. Whatever breaks those rules is a
 * `bad_response` that keeps the status and request id, so a 502 page from a proxy still retries as a 5xx.
 */
import type { z } from "zod";
import { errorEnvelopeSchema } from "./envelopes.js";
import { PeekerError } from "./errors.js";
import type { AttemptResponse } from "./transport.js";

export interface Decoded<T> {
  value: T;
  requestId: string | undefined;
}

export function decodeAnswer<T>(
  schema: z.ZodType<T>,
  call: { method: string; route: string },
  response: AttemptResponse,
): Decoded<T> | PeekerError {
  const { status, requestId, json } = response;
  const base = { status, requestId, method: call.method, route: call.route };
  const where = `Peeker ${call.method} ${call.route}`;
  if (status >= 200 && status < 300) {
    if (json === undefined) {
      return new PeekerError({
        ...base,
        code: "bad_response",
        message: `${where} answered ${status} without a JSON body`,
      });
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return { value: parsed.data, requestId };
    return new PeekerError({
      ...base,
      code: "bad_response",
      message: `${where} answered a body that does not match the expected shape`,
      // Paths and messages only: zod issues never carry the offending values here.
      details: {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
      },
      cause: parsed.error,
    });
  }
  const envelope = errorEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    return new PeekerError({
      ...base,
      code: "bad_response",
      message: `${where} answered ${status} without an error envelope`,
    });
  }
  const { code, message, field, details } = envelope.data.error;
  return new PeekerError({
    ...base,
    code,
    message: `${where} failed with ${code}: ${message ?? "(no message)"}`,
    field: field ?? undefined,
    details: details ?? undefined,
  });
}
