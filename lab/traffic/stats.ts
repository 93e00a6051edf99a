/** Pure: latency percentiles and a per-second timeline from recorded samples. */
export interface Sample {
  /** ms since the run started, when the request finished */
  at: number;
  ms: number;
  ok: boolean;
  /** HTTP status, or an error code (ECONNRESET, UND_ERR_HEADERS_TIMEOUT ...) */
  outcome: string;
}

export interface LoadSummary {
  requests: number;
  ok: number;
  failed: number;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  outcomes: Record<string, number>;
  timeline: Array<{ second: number; ok: number; failed: number }>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

export function summarize(samples: Sample[], seconds: number): LoadSummary {
  const okLatencies = samples
    .filter((s) => s.ok)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const outcomes: Record<string, number> = {};
  const timeline: LoadSummary["timeline"] = [];
  for (const s of samples) {
    outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
    const second = Math.floor(s.at / 1000);
    while (timeline.length <= second) timeline.push({ second: timeline.length, ok: 0, failed: 0 });
    const slot = timeline[second];
    if (slot) slot[s.ok ? "ok" : "failed"] += 1;
  }
  const ok = okLatencies.length;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: samples.length,
    ok,
    failed: samples.length - ok,
    seconds: round(seconds),
    rps: round(ok / seconds),
    latencyMs: {
      p50: round(percentile(okLatencies, 50)),
      p95: round(percentile(okLatencies, 95)),
      p99: round(percentile(okLatencies, 99)),
      max: round(okLatencies.at(-1) ?? 0),
    },
    outcomes,
    timeline,
  };
}
