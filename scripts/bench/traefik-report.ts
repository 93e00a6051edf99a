/** Pure: bench:traefik's result and its readable summary. */
import type { LoadSummary } from "../../lab/traffic/stats.js";
import { GOALS, type PairVerdict } from "./traefik-plan.js";

export type SideResult = Omit<LoadSummary, "timeline"> & {
  cpuMsPerRequest: Record<string, number>;
};

interface Pair {
  direct: SideResult;
  traefik: SideResult;
}

export interface BenchTraefikResult {
  date: string;
  machine: { cpus: number; busyCoresBeforeStart: number };
  clients: number;
  workers: number;
  segmentSeconds: number;
  order: string[];
  scenarios: Partial<
    Record<
      "reads" | "writes",
      { saturated: Pair; paced: Pair & { ratePerSecond: number }; verdict: PairVerdict }
    >
  >;
}

const LABELS = { reads: "GET /users?limit=50", writes: "POST /users" };
const SIDES = [
  ["direct", "direct (HTTP)"],
  ["traefik", "Traefik (HTTPS)"],
] as const;

const signed = (n: number) => `${n >= 0 ? "+" : ""}${n}`;

export function renderSummary(r: BenchTraefikResult): string {
  const rows: string[] = [];
  const verdicts: string[] = [];
  const cpuRows: string[] = [];
  const scenarios = Object.entries(r.scenarios).map(([k, s]) => [LABELS[k as "reads"], s] as const);
  const parts = [
    ...new Set(scenarios.flatMap(([, s]) => Object.keys(s.saturated.direct.cpuMsPerRequest))),
  ];
  for (const [label, s] of scenarios) {
    for (const [load, pair] of [
      ["saturated", s.saturated],
      [`paced ${s.paced.ratePerSecond}/s`, s.paced],
    ] as const)
      for (const [side, name] of SIDES) {
        const x = pair[side];
        rows.push(
          `| ${label} | ${load} | ${name} | ${x.rps} | ${x.latencyMs.p50} | ${x.latencyMs.p95} | ${x.latencyMs.p99} | ${x.failed} |`,
        );
      }
    for (const [side, name] of SIDES)
      cpuRows.push(
        `| ${label} | ${name} | ${parts.map((p) => s.saturated[side].cpuMsPerRequest[p] ?? 0).join(" | ")} |`,
      );
    const v = s.verdict;
    verdicts.push(
      `- ${label}: throughput ratio **${v.throughputRatio}** (goal >= ${GOALS.minThroughputRatio}: ${v.throughputMet ? "met" : "missed"}); p95 at the paced load **${signed(v.p95DeltaMs)} ms** (goal <= +${GOALS.maxP95DeltaMs} ms: ${v.latencyMet ? "met" : "missed"})`,
    );
  }
  return `# bench:traefik (${r.date})

One app process (${r.workers} uvicorn worker${r.workers === 1 ? "" : "s"}, as a lab task), one Postgres, one load generator (${r.clients} keep-alive clients), on ${r.machine.cpus} cores (${r.machine.busyCoresBeforeStart} cores busy before the start). **direct**: HTTP to the app. **Traefik**: HTTPS through the lab's Traefik image with the lab's TLS options, entry-point and router middlewares, access log and health check, host networking. Each row: ${r.order.length / 2} segments of ${r.segmentSeconds} s, sides alternating (${r.order.join(", ")}). **saturated**: each client sends as soon as it has its answer (throughput). **paced**: both sides get the same load, half the direct side's saturated throughput (latency).

| request | load | path | req/s | p50 ms | p95 ms | p99 ms | errors |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

${verdicts.join("\n")}

Where the time goes in the saturated runs, CPU ms per request (machine: all busy CPU, the kernel's network and TLS-free work included; docker: dockerd and containerd, which also carry Traefik's access log to its log file):

| request | path | ${parts.join(" | ")} |
| --- | --- | ${parts.map(() => "---").join(" | ")} |
${cpuRows.join("\n")}
`;
}
