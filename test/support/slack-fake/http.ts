/** Reading requests and writing answers the way Slack's Web API does. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Args } from "./state.js";

/** Form fields Slack (and WebClient) carry as JSON strings. */
const JSON_FIELDS: Record<string, string> = {
  blocks: "invalid_blocks_format",
  attachments: "invalid_attachments",
  metadata: "invalid_metadata_format",
  view: "invalid_arguments",
};

export interface ParsedArgs {
  args: Args;
  error: string | undefined;
}

export function parseArgs(raw: string, contentType: string, query: URLSearchParams): ParsedArgs {
  const args: Args = Object.fromEntries(query.entries());
  let error: string | undefined;
  if (contentType.startsWith("application/json")) {
    try {
      const body: unknown = raw.length > 0 ? JSON.parse(raw) : {};
      if (typeof body === "object" && body !== null && !Array.isArray(body)) Object.assign(args, body);
      else error = "invalid_json";
    } catch {
      error = "invalid_json";
    }
  } else if (raw.length > 0) {
    for (const [key, value] of new URLSearchParams(raw)) args[key] = value;
  }
  for (const [field, code] of Object.entries(JSON_FIELDS)) {
    const value = args[field];
    if (typeof value !== "string") continue;
    try {
      args[field] = JSON.parse(value);
    } catch {
      error ??= code;
    }
  }
  return { args, error };
}

export function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
