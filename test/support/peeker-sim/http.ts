/**
 * Answers and errors of the simulator, in Peeker's envelopes (reference §2.2–2.4).
 */
import type { IncomingMessage } from "node:http";

export interface SimResponse {
  status: number;
  body: unknown;
}

/** Thrown by handlers; the server turns it into the error envelope. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  envelope(): unknown {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const invalid = (field: string | undefined, message: string, details?: Record<string, unknown>) =>
  new SimHttpError(400, "invalid_request", message, field, details);

export const notFound = (what: string) =>
  new SimHttpError(404, "not_found", `No ${what} with that id in this account`);

export const ok = (data: unknown, status = 200): SimResponse => ({ status, body: { data } });

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole body; `undefined` when empty. Throws a 400 for bodies that are not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw invalid(undefined, "Request body is too large");
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid(undefined, "Request body is not valid JSON");
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
