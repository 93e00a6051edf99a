/**
 * npm run bench:app: the app alone (uvicorn on the host, real Postgres) and through Traefik in
 * the running lab, 50 concurrent clients, GET /users?limit=50 and POST /users.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";
import { loadConfig } from "../../lab/config/load.js";
import { connectLab } from "../../lab/running/lab.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { writeReport } from "../../lab/state/reports.js";
import { runLoad } from "../../lab/traffic/run.js";
import type { LoadSummary } from "../../lab/traffic/stats.js";
import { waitFor } from "../../lab/wait/poll.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    seconds: { type: "string", default: "20" },
    port: { type: "string", default: "18080" },
    workers: { type: "string", default: "2" },
    "skip-lab": { type: "boolean" },
  },
});
const clients = Number(values.clients);
const durationMs = Number(values.seconds) * 1000;

type Send = (
  method: "GET" | "POST",
  path: string,
  init?: { body?: unknown; form?: Record<string, string>; headers?: Record<string, string> },
) => Promise<{ status: number; body: string }>;

async function scenario(send: Send, login: { username: string; password: string }) {
  const token = JSON.parse((await send("POST", "/auth/token", { form: login })).body)
    .access_token as string;
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < 100; i++)
    await send("POST", "/users", { body: { email: `seed-${randomUUID()}@example.org` }, headers });
  const strip = ({ samples: _, timeline: __, ...rest }: LoadSummary & { samples?: unknown }) =>
    rest;
  const reads = await runLoad({
    concurrency: clients,
    durationMs,
    send: () => send("GET", "/users?limit=50", { headers }),
  });
  const run = randomUUID().slice(0, 8);
  const writes = await runLoad({
    concurrency: clients,
    durationMs,
    send: (c, n) =>
      send("POST", "/users", { body: { email: `w-${run}-${c}-${n}@example.org` }, headers }),
  });
  return { reads: strip(reads), writes: strip(writes) };
}

async function direct() {
  const port = Number(values.port);
  const child = spawn("bash", ["scripts/run-app-local.sh", String(port), values.workers ?? "2"], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: "ignore",
  });
  const agent = new Agent({ connections: clients });
  const send: Send = async (method, path, init = {}) => {
    const body = init.form
      ? new URLSearchParams(init.form).toString()
      : init.body
        ? JSON.stringify(init.body)
        : undefined;
    const type = init.form ? "application/x-www-form-urlencoded" : "application/json";
    const res = await request(`http://127.0.0.1:${port}${path}`, {
      method,
      dispatcher: agent,
      body,
      headers: { ...(body ? { "content-type": type } : {}), ...init.headers },
    });
    return { status: res.statusCode, body: await res.body.text() };
  };
  try {
    await waitFor(
      "local app",
      async () => ({ ok: (await send("GET", "/health/ready")).status === 200, detail: "starting" }),
      { timeoutMs: 60_000 },
    );
    return await scenario(send, { username: "admin@local.test", password: "local-admin-password" });
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    await agent.close();
  }
}

async function throughTraefik() {
  await using lab = await connectLab(loadConfig(process.env.LAB_CONFIG, {}));
  const { appAdminCredentials } = await import("../../lab/state/secrets.js");
  const admin = appAdminCredentials(lab.config.domain);
  const send: Send = (method, path, init = {}) => lab.http.send(method, lab.url("app", path), init);
  return await scenario(send, { username: admin.email, password: admin.password });
}

const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length },
  clients,
  secondsPerRun: durationMs / 1000,
  direct: { workers: Number(values.workers), ...(await direct()) },
};
if (!values["skip-lab"]) result.traefik = await throughTraefik();

type Runs = { reads: LoadSummary; writes: LoadSummary };
const d = result.direct as Runs;
const t = result.traefik as Runs | undefined;
const row = (name: string, r: LoadSummary) =>
  `| ${name} | ${r.rps} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.failed} |`;
const ratio = (a?: LoadSummary, b?: LoadSummary) =>
  a && b ? `${Math.round((a.rps / b.rps) * 100)}%` : "n/a";
const summary = `# bench:app (${result.date})

${clients} concurrent clients, ${durationMs / 1000} s per run, ${cpus().length} cores. Direct: uvicorn with ${values.workers} workers on the host and a throwaway Postgres 15. Traefik: the lab (3 replicas x 1 worker, 3 Traefik, HAProxy edge, all inside Docker-in-Docker nodes on the same 2 cores), HTTPS with keep-alive.

| run | req/s | p50 ms | p95 ms | p99 ms | errors |
| --- | --- | --- | --- | --- | --- |
${row("direct GET /users?limit=50", d.reads)}
${row("direct POST /users", d.writes)}
${t ? row("traefik GET /users?limit=50", t.reads) : "| traefik | skipped | | | | |"}
${t ? row("traefik POST /users", t.writes) : ""}

Throughput through Traefik relative to direct: reads ${ratio(t?.reads, d.reads)}, writes ${ratio(t?.writes, d.writes)}.
Goals: p95 under 50 ms for reads at ${clients} clients; Traefik costing at most 15% of throughput.
`;
const files = writeReport("bench-app", result, summary);
console.log(`\n${summary}\nreports: ${files.json}, ${files.text}`);
