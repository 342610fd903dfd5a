import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** Read-only figures for GET /metrics that no other repository needs. */

export interface OutboxDepth {
  channel: string;
  kind: "card" | "thread_line";
  depth: number;
}

/** Cards whose desired render is not posted yet (held ones included) and thread lines not sent, per channel. */
export async function outboxDepthByChannel(db: Kysely<Database>): Promise<OutboxDepth[]> {
  const result = await sql<{ channel: string; kind: "card" | "thread_line"; depth: string }>`
    SELECT channel, 'card' AS kind, count(*) AS depth FROM slack_cards
     WHERE posted_hash IS DISTINCT FROM desired_hash GROUP BY channel
    UNION ALL
    SELECT channel, 'thread_line' AS kind, count(*) AS depth FROM thread_lines
     WHERE state <> 'sent' GROUP BY channel`.execute(db);
  return result.rows.map((r) => ({ channel: r.channel, kind: r.kind, depth: Number(r.depth) }));
}
