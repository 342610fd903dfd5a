import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/bot-process.js";
import { type Stack, startStack, waitFor } from "../support/e2e.js";
import { seedOpenOrders } from "../support/reconcile.js";

/**
 * The dashboard and the alert rules only help if the metrics they name exist: this renders /metrics from a
 * running bot (on METRICS_PORT, after a reconcile ran and a card was posted) and checks every name that
 * deploy/grafana-dashboard.json and deploy/prometheus-alerts.yaml reference, and every alert's runbook anchor.
 */

const DASHBOARD = readFileSync(path.join(REPO_ROOT, "deploy/grafana-dashboard.json"), "utf8");
const ALERTS = readFileSync(path.join(REPO_ROOT, "deploy/prometheus-alerts.yaml"), "utf8");
const README = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");

/** Metric names in PromQL text: ours (peeker_), Node's (nodejs_, process_). `up` is Prometheus' own. */
function referencedMetrics(text: string): string[] {
  return [
    ...new Set([...text.matchAll(/\b(?:peeker|nodejs|process)_[a-z0-9_]+\b/g)].map((m) => m[0])),
  ].sort();
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(DASHBOARD) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** Families from `# TYPE` lines, and the sample names each family may have (histograms: _bucket/_sum/_count). */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, family, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(family!);
    if (type === "histogram" || type === "summary") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${family}${suffix}`);
    }
  }
  return names;
}

function hasSample(text: string, name: string, labels = ""): boolean {
  return (
    text.split("\n").some((line) => line.startsWith(`${name}{`) && line.includes(labels)) ||
    text.split("\n").some((line) => labels === "" && line.startsWith(`${name} `))
  );
}

describe("/metrics against the dashboard and the alerts", () => {
  let stack: Stack;
  let metricsUrl: string;
  beforeAll(async () => {
    stack = await startStack({
      name: "dashboard-metrics",
      env: { METRICS_PORT: "0", RECONCILE_CRON: "*/2 * * * * *" },
    });
    const bot = stack.bots[0]!;
    const port = await waitFor(() => /"metricsPort":(\d+)/.exec(bot.output())?.[1], { what: "metrics port" });
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("references only metrics a running bot exposes", async () => {
    seedOpenOrders(stack.sim, 1, "dashboard");
    // A reconcile run and a posted card fill the gauges read from `runs` and the counters of Slack calls.
    await waitFor(() => stack.slack.calls("chat.postMessage").length > 0, {
      what: "a card posted",
      timeoutMs: 20_000,
    });
    const text = await waitFor(
      async () => {
        const body = await (await fetch(metricsUrl)).text();
        return hasSample(body, "peeker_job_last_run_timestamp_seconds", 'job="reconcile"') && body;
      },
      { what: "a finished reconcile in /metrics", timeoutMs: 20_000 },
    );
    const exposed = exposedNames(text);
    const referenced = referencedMetrics([...dashboardExpressions(), ALERTS].join("\n"));
    expect(referenced.length).toBeGreaterThan(15);
    expect(referenced.filter((name) => !exposed.has(name))).toEqual([]);

    // The scrape-time and process figures have values, not only a TYPE line (GC pauses appear after the first
    // collection, which an idle bot may not have had yet: their family is checked above).
    for (const [name, labels] of [
      ["peeker_inbox_lag_seconds", ""],
      ["peeker_events_failed", ""],
      ["peeker_db_pool_connections", 'pool="main",state="waiting"'],
      ["peeker_db_pool_connections", 'pool="intake",state="total"'],
      ["peeker_outbox_depth", 'kind="card"'],
      ["peeker_sla_breached_actions", 'reason="all"'],
      ["peeker_job_last_run_ok", 'job="reconcile"'],
      ["peeker_job_last_run_count", 'count="opened"'],
      ["peeker_slack_calls_total", 'method="chat.postMessage"'],
      ["nodejs_eventloop_lag_p99_seconds", ""],
      ["nodejs_heap_size_used_bytes", ""],
      ["process_resident_memory_bytes", ""],
    ] as const) {
      expect(hasSample(text, name, labels), `${name}{${labels}} has a sample`).toBe(true);
    }
  });

  it("serves /metrics on METRICS_PORT only, not on the public port", async () => {
    expect((await fetch(`${stack.bots[0]!.url}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl.replace("/metrics", "/readyz"))).status).toBe(404);
  });

  it("gives every alert a runbook line in the README", () => {
    const anchors = [...ALERTS.matchAll(/runbook: "README\.md#([a-z0-9-]+)"/g)].map((m) => m[1]!);
    const alerts = [...ALERTS.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(anchors).toHaveLength(alerts.length);
    for (const alert of alerts) {
      expect(anchors).toContain(alert.toLowerCase());
      expect(README, `README heading for ${alert}`).toMatch(new RegExp(`^#+ ${alert}\\b`, "m"));
    }
  });
});
