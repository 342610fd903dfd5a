import { Pool } from "undici";

/**
 * Open-loop load: request i is sent at start + i / rate whatever happened to the others, and its latency is
 * measured from that scheduled instant, so a stall shows up in every request it delayed (no coordinated
 * omission).
 */
export interface PreparedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Requests made when their turn comes (a long run's signed timestamps would go stale if made up front). */
export interface LazyRequests {
  readonly length: number;
  get(index: number): PreparedRequest;
}

export interface Answer {
  status: number;
  latencyMs: number;
  index: number;
}

export async function openLoop(
  origin: string,
  requests: readonly PreparedRequest[] | LazyRequests,
  ratePerSecond: number,
  connections = 64,
): Promise<{ answers: Answer[]; elapsedMs: number }> {
  const pool = new Pool(origin, { connections, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const answers: Answer[] = [];
  const get = "get" in requests ? (i: number) => requests.get(i) : (i: number) => requests[i]!;
  const start = performance.now() + 50;
  const inFlight: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (next < requests.length && start + (next * 1000) / ratePerSecond <= now) {
        const index = next++;
        const scheduled = start + (index * 1000) / ratePerSecond;
        const req = get(index);
        inFlight.push(
          pool
            .request({ method: "POST", path: req.path, headers: req.headers, body: req.body })
            .then(async (res) => {
              await res.body.dump();
              answers.push({ status: res.statusCode, latencyMs: performance.now() - scheduled, index });
            })
            .catch(() => {
              answers.push({ status: 0, latencyMs: performance.now() - scheduled, index });
            }),
        );
      }
      if (next >= requests.length) resolve();
      else
        setTimeout(pump, Math.max(0, Math.min(5, start + (next * 1000) / ratePerSecond - performance.now())));
    };
    pump();
  });
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { answers, elapsedMs };
}

/** Closed loop at a fixed concurrency: the most the server sustains. */
export async function closedLoop(
  origin: string,
  requests: PreparedRequest[],
  concurrency: number,
  durationMs: number,
): Promise<{ answers: Answer[]; elapsedMs: number }> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const answers: Answer[] = [];
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (performance.now() - start < durationMs && next < requests.length) {
      const index = next++;
      const req = requests[index]!;
      const sent = performance.now();
      try {
        const res = await pool.request({
          method: "POST",
          path: req.path,
          headers: req.headers,
          body: req.body,
        });
        await res.body.dump();
        answers.push({ status: res.statusCode, latencyMs: performance.now() - sent, index });
      } catch {
        answers.push({ status: 0, latencyMs: performance.now() - sent, index });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - start;
  await pool.close();
  return { answers, elapsedMs };
}
