/**
 * npm run bench:observability: memory of the observability services in the running lab (from
 * each node engine's container stats) and log ingestion delay (a request sent with a fresh
 * request id -> its app line queryable in the log store), median and p95 over N requests.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { loadConfig } from "../../lab/config/load.js";
import { logServices, queryLogs } from "../../lab/logs/read.js";
import { connectLab, type RunningLab } from "../../lab/running/lab.js";
import { writeReport } from "../../lab/state/reports.js";
import { percentile } from "../../lab/traffic/stats.js";

const OBSERVABILITY = [
  "prometheus",
  "victorialogs",
  "logship",
  "node-exporter",
  "pg1-exporter",
  "pg2-exporter",
  "loki",
  "alloy",
  "grafana",
  "cadvisor",
  "alertmanager",
  "alert-receiver",
  "remediator",
  "docker-actions",
];

const { values } = parseArgs({
  options: { requests: { type: "string", default: "100" } },
});

async function memoryByService(lab: RunningLab): Promise<Record<string, number>> {
  const mib: Record<string, number> = {};
  for (const node of lab.nodes.filter((n) => n.running)) {
    const engine = lab.driver.engine(node);
    for (const c of await engine.containers.list({})) {
      const service = (c.Labels["com.docker.swarm.service.name"] ?? "").replace(/^[^_]+_/, "");
      if (!OBSERVABILITY.includes(service)) continue;
      const s = (await engine.containers.stats(c.Id)) as {
        memory_stats: { usage?: number; stats?: { total_inactive_file?: number; cache?: number } };
      };
      const m = s.memory_stats;
      const used = (m.usage ?? 0) - (m.stats?.total_inactive_file ?? m.stats?.cache ?? 0);
      mib[service] = (mib[service] ?? 0) + used / 2 ** 20;
    }
  }
  return Object.fromEntries(Object.entries(mib).map(([k, v]) => [k, Math.round(v)]));
}

/** Seconds from sending a request to its app line being returned by the log store. */
async function ingestionDelay(lab: RunningLab, store: "victorialogs" | "loki"): Promise<number> {
  const id = randomUUID().replaceAll("-", "");
  const sent = Date.now();
  await lab.http.send("GET", lab.url("app", "/health/live"), { headers: { "x-request-id": id } });
  for (;;) {
    const lines = await queryLogs(lab, store, {
      stack: lab.config.name,
      service: "app",
      sinceS: 60,
      requestId: id,
      limit: 5,
    });
    if (lines.length > 0) return (Date.now() - sent) / 1000;
    if (Date.now() - sent > 60_000)
      throw new Error(`request ${id} not in the log store after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

await using lab = await connectLab(loadConfig(undefined, {}));
const { store } = await logServices(lab);
if (!store) throw new Error("the lab runs no log store: npm run lab:up");
const memory = await memoryByService(lab);
const delays: number[] = [];
const n = Number(values.requests);
for (let i = 0; i < n; i++) delays.push(await ingestionDelay(lab, store));
const sorted = [...delays].sort((a, b) => a - b);
const result = {
  date: new Date().toISOString(),
  store,
  memoryMiB: { total: Object.values(memory).reduce((a, b) => a + b, 0), byService: memory },
  ingestion: {
    requests: n,
    medianS: percentile(sorted, 50),
    p95S: percentile(sorted, 95),
    maxS: sorted.at(-1),
  },
};
const summary = `# bench:observability (${result.date})

Log store: ${store}. Memory from each node engine's container stats (usage minus inactive file
cache), summed per service over its tasks.

| service | memory (MiB) |
| --- | --- |
${Object.entries(memory)
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join("\n")}
| **total** | **${result.memoryMiB.total}** |

Log ingestion delay (request sent -> its app line returned by a query), ${n} requests, one at a
time, polling every 100 ms: median ${result.ingestion.medianS.toFixed(2)} s, p95
${result.ingestion.p95S.toFixed(2)} s, max ${result.ingestion.maxS?.toFixed(2)} s.

Goals: observability services <= 700 MiB (offline); ingestion p95 <= 5 s.
`;
const files = writeReport("bench-observability", result, summary);
console.log(summary);
console.log(`reports: ${files.json}, ${files.text}`);
