/** One sentence about a reconcile's counts, for `/peeker reconcile` and `npm run reconcile`. */
export function describeReconcileCounts(counts: Readonly<Record<string, number | undefined>>): string {
  const n = (key: string) => (counts[key] ?? 0).toLocaleString("en-US");
  const seconds = ((counts.duration_ms ?? 0) / 1000).toFixed(1);
  const parts = [
    `${n("seen")} open in Peeker`,
    `${n("opened")} opened`,
    `${n("resolved")} resolved`,
    `${n("unchanged")} unchanged`,
  ];
  if ((counts.updated ?? 0) > 0) parts.push(`${n("updated")} updated`);
  if ((counts.reopened ?? 0) > 0) parts.push(`${n("reopened")} reopened`);
  if ((counts.skipped ?? 0) > 0) parts.push(`${n("skipped")} left to newer changes`);
  parts.push(`${n("errors")} ${counts.errors === 1 ? "error" : "errors"}`);
  return `${parts.join(", ")} (${n("api_calls")} Peeker requests, ${seconds} s).`;
}
