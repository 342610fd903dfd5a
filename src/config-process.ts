import type { EnvReader } from "./config-env.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface ServerSettings {
  /** Set = GET /metrics is served on this port only, not on PORT (keep it off the internet). */
  readonly metricsPort: number | undefined;
  readonly port: number;
}

export interface ProcessSettings {
  readonly cardBacklogLimit: number;
  /**
   * SHUTDOWN_DRAIN_SECONDS: on SIGTERM, the longest the bot waits for interactive work already under way (a
   * submit answered "Working…", a slash command answering through response_url) before its loops and pools stop.
   */
  readonly shutdownDrainSeconds: number;
  /**
   * INTENT_SWEEP_SECONDS: how often every replica (not slotted) refreshes its worker heartbeat and settles cards a
   * stopped or failed flow left mid-write, independently of reconcile walks (design §6).
   */
  readonly intentSweepSeconds: number;
  readonly dataDir: string;
  readonly logLevel: string;
}

export function parseServer(env: EnvReader): ServerSettings {
  const metricsPortRaw = env.read("METRICS_PORT");
  const metricsPort = metricsPortRaw === undefined ? undefined : env.integer("METRICS_PORT", 0, 0, 65535);
  return { metricsPort, port: env.integer("PORT", 3000, 0, 65535) };
}

export function parseProcess(env: EnvReader): ProcessSettings {
  const cardBacklogLimit = env.integer("CARD_BACKLOG_LIMIT", 100, 1, 100_000);
  // Bounded: a replica told to stop must go within its orchestrator's grace period (Kubernetes: 30 s by default).
  const shutdownDrainSeconds = env.integer("SHUTDOWN_DRAIN_SECONDS", 15, 0, 120);
  const intentSweepSeconds = env.integer("INTENT_SWEEP_SECONDS", 30, 1, 300);
  const dataDir = env.read("DATA_DIR") ?? "./.data";
  const logLevel = env.read("LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) env.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}.`);
  return { cardBacklogLimit, shutdownDrainSeconds, intentSweepSeconds, dataDir, logLevel };
}
