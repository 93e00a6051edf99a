/**
 * npm run bench:traefik: Traefik's cost, alone. One app process (the lab task's worker count),
 * one Postgres, one load generator, in one run: the app reached directly over HTTP, and through
 * one Traefik (the lab's image, TLS and middlewares) over HTTPS; rounds alternate the order.
 * Reports req/s and p50/p95/p99 for both, their ratio, and the CPU each part used per request.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { LABEL_KIND } from "../../lab/plan/names.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { LabHttp } from "../../lab/runtime/http.js";
import { portFree } from "../../lab/runtime/ports.js";
import { serverNames } from "../../lab/state/ca.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { writeReport } from "../../lab/state/reports.js";
import { ROUTED_SERVICES } from "../../lab/state/tls.js";
import { type LoadOptions, runLoad } from "../../lab/traffic/run.js";
import { type Sample, summarize } from "../../lab/traffic/stats.js";
import { waitFor } from "../../lab/wait/poll.js";
import {
  DOMAIN,
  file,
  labImage,
  password,
  secret,
  testCa,
  traefikConfig,
} from "../../tests/integration/support.js";
import { commandLine, machineBusy, type ProcStat, processes } from "./proc.js";
import {
  addCpuUsed,
  appLabels,
  appRoute,
  benchDynamic,
  benchStatic,
  type CpuCounters,
  cpuMsPerRequest,
  runOrder,
  verdict,
} from "./traefik-plan.js";
import { type BenchTraefikResult, renderSummary, type SideResult } from "./traefik-report.js";

/** Wrong input, a busy port, a missing image: the message and the fix, exit 2, no stack trace. */
function refuse(message: string): never {
  console.error(`bench:traefik: ${message}`);
  process.exit(2);
}

const values = (() => {
  try {
    return parseArgs({
      options: {
        clients: { type: "string", default: "32" },
        seconds: { type: "string", default: "15" },
        rounds: { type: "string", default: "2" },
        workers: { type: "string", default: "1" },
        "app-port": { type: "string", default: "18081" },
        "https-port": { type: "string", default: "18443" },
        "beside-lab": { type: "boolean" },
      },
    }).values;
  } catch (err) {
    return refuse(
      `${(err as Error).message}\nFix: see the README's commands table for the options.`,
    );
  }
})();
const numbers: Record<string, number> = {};
for (const name of ["clients", "seconds", "rounds", "workers", "app-port", "https-port"] as const) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0 || (name.endsWith("port") && n > 65_533))
    refuse(
      `--${name} ${values[name]}: not a positive whole number${name.endsWith("port") ? " below 65534" : ""}`,
    );
  numbers[name] = n;
}
const clients = numbers.clients ?? 32;
const segmentMs = (numbers.seconds ?? 15) * 1000;
const rounds = numbers.rounds ?? 2;
const appPort = numbers["app-port"] ?? 18081;
const ports = { http: appPort + 1, https: numbers["https-port"] ?? 18443, metrics: appPort + 2 };

const host = `app.${DOMAIN}`;
const SIDES = ["direct", "traefik"] as const;
type Side = (typeof SIDES)[number];
const round2 = (n: number) => Math.round(n * 100) / 100;
/** The paced runs offer this share of the direct side's saturated throughput. */
const PACED_SHARE = 0.5;
const labNodes = await hostDocker().listContainers({ filters: { label: [`${LABEL_KIND}=node`] } });
if (labNodes.length > 0 && !values["beside-lab"]) {
  refuse(
    `a lab is running (${labNodes.map((c) => c.Names[0]?.slice(1)).join(", ")}): it would share the cores with the bench, and the bench's load starves the lab's health checks (Swarm restarted every app task when it ran beside one).\nFix: npm run lab:down first, or pass --beside-lab to measure anyway.`,
  );
}
for (const port of [appPort, ports.http, ports.https, ports.metrics])
  if (!(await portFree("127.0.0.1", port)))
    refuse(`port ${port} is taken on 127.0.0.1: free it or pass --app-port/--https-port`);
const traefikImage = await labImage("traefik").catch((err: Error) => refuse(err.message));
const t = await testCa();
const leaf = await t.issue({ dns: serverNames(DOMAIN, ROUTED_SERVICES), usage: "server" });
const route = appRoute(
  appLabels(readFileSync(join(REPO_ROOT, "compose/lab.yml"), "utf8")),
  DOMAIN,
  `http://127.0.0.1:${appPort}`,
);
const http = new LabHttp({
  ca: t.ca.cert,
  address: "127.0.0.1",
  httpsPort: ports.https,
  httpPort: appPort,
  connections: clients,
});
const urlOf = {
  direct: (p: string) => http.url(host, p, "http"),
  traefik: (p: string) => http.url(host, p),
};
const app = spawn("bash", ["scripts/run-app-local.sh", String(appPort), String(numbers.workers)], {
  cwd: REPO_ROOT,
  detached: true,
  stdio: "ignore",
});
/** The bench's throwaway Postgres (scripts/lib/pg.sh), not the lab's: its server and backends. */
let postmaster: number | undefined;
const isBenchPostgres = (p: ProcStat) => p.pid === postmaster || p.ppid === postmaster;

/** CPU seconds so far: the app's processes (its process group), its Postgres, Traefik, Docker. */
function counters(traefikPid: number): CpuCounters {
  const c: CpuCounters = { app: 0, postgres: 0, traefik: 0, docker: 0 };
  const all = processes();
  postmaster ??= all.find(
    (p) => p.comm === "postgres" && commandLine(p.pid).includes("/tmp/swarm-lab-pg."),
  )?.pid;
  for (const p of all) {
    if (p.pid === traefikPid) c.traefik = p.cpu;
    else if (p.comm === "postgres" && isBenchPostgres(p)) c.postgres = (c.postgres ?? 0) + p.cpu;
    else if (p.pgrp === app.pid) c.app = (c.app ?? 0) + p.cpu;
    else if (/^(dockerd|containerd)/.test(p.comm)) c.docker = (c.docker ?? 0) + p.cpu;
  }
  const self = process.cpuUsage();
  c["load generator"] = (self.user + self.system) / 1e6;
  c.machine = machineBusy();
  return c;
}

let traefik: StartedTestContainer | undefined;
try {
  // Host networking on both sides: no Docker port forwarding (docker-proxy) on Traefik's path.
  traefik = await new GenericContainer(traefikImage)
    .withNetworkMode("host")
    .withCommand(["--configFile=/etc/traefik/traefik.yml"])
    .withCopyContentToContainer([
      file("/etc/traefik/traefik.yml", benchStatic(traefikConfig("traefik.yml"), ports)),
      file("/etc/traefik/dynamic.yml", benchDynamic(traefikConfig("dynamic.yml"), route)),
      secret("lab_tls_cert", leaf.cert + t.ca.cert),
      secret("lab_tls_key", leaf.key),
      secret("dashboard_users", `admin:${bcrypt.hashSync(password(), 4)}\n`),
    ])
    .start();
  const traefikPid = (await hostDocker().getContainer(traefik.getId()).inspect()).State.Pid;
  for (const side of SIDES)
    await waitFor(
      `the app ${side === "direct" ? "on 127.0.0.1" : "through Traefik"}`,
      async () => {
        const r = await http.send("GET", urlOf[side]("/health/ready"), { timeoutMs: 2000 });
        return { ok: r.status === 200, detail: `HTTP ${r.status}` };
      },
      { timeoutMs: 90_000 },
    );
  const login = await http.send("POST", urlOf.direct("/auth/token"), {
    form: { username: "admin@local.test", password: "local-admin-password" },
  });
  const headers = { authorization: `Bearer ${JSON.parse(login.body).access_token}` };
  for (let i = 0; i < 100; i++)
    await http.send("POST", urlOf.direct("/users"), {
      body: { email: `seed-${randomUUID()}@example.org` },
      headers,
    });
  const run = randomUUID().slice(0, 8);
  const requests = {
    reads: (side: Side) => () => http.send("GET", urlOf[side]("/users?limit=50"), { headers }),
    writes: (side: Side) => (c: number, n: number) =>
      http.send("POST", urlOf[side]("/users"), {
        body: { email: `w-${run}-${side}-${c}-${n}-${randomUUID().slice(0, 6)}@example.org` },
        headers,
      }),
  };
  const idleBefore = counters(traefikPid);
  await new Promise((r) => setTimeout(r, 3000));
  const idle: CpuCounters = {};
  addCpuUsed(idle, idleBefore, counters(traefikPid));
  const result: BenchTraefikResult = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, busyCoresBeforeStart: round2((idle.machine ?? 0) / 3) },
    clients,
    workers: numbers.workers ?? 1,
    segmentSeconds: segmentMs / 1000,
    order: runOrder(rounds),
    scenarios: {},
  };
  /** Both sides, `rounds` segments each in alternating order, closed-loop or paced. */
  const measure = async (send: (side: Side) => LoadOptions["send"], ratePerSecond?: number) => {
    const samples = { direct: [] as Sample[], traefik: [] as Sample[] };
    const seconds = { direct: 0, traefik: 0 };
    const used = { direct: {} as CpuCounters, traefik: {} as CpuCounters };
    for (const side of runOrder(rounds)) {
      const before = counters(traefikPid);
      const r = await runLoad({
        concurrency: clients,
        durationMs: segmentMs,
        send: send(side),
        ratePerSecond,
      });
      addCpuUsed(used[side], before, counters(traefikPid));
      samples[side].push(...r.samples);
      seconds[side] += r.seconds;
    }
    const [direct, traefik] = SIDES.map((side) => {
      const { timeline: _, ...summary } = summarize(samples[side], seconds[side]);
      return { ...summary, cpuMsPerRequest: cpuMsPerRequest(used[side], samples[side].length) };
    }) as [SideResult, SideResult];
    return { direct, traefik };
  };
  for (const scenario of ["reads", "writes"] as const) {
    // Warm both paths (connections, TLS sessions, caches) before anything is counted.
    for (const side of SIDES)
      await runLoad({ concurrency: clients, durationMs: 2000, send: requests[scenario](side) });
    const saturated = await measure(requests[scenario]);
    const rate = round2(saturated.direct.rps * PACED_SHARE);
    const paced = { ratePerSecond: rate, ...(await measure(requests[scenario], rate)) };
    result.scenarios[scenario] = { saturated, paced, verdict: verdict(saturated, paced) };
  }
  const summary = renderSummary(result);
  const files = writeReport("bench-traefik", result, summary);
  console.log(`\n${summary}\nreports: ${files.json}, ${files.text}`);
} finally {
  await http.close();
  await traefik?.stop();
  if (app.pid) process.kill(-app.pid, "SIGTERM");
}
