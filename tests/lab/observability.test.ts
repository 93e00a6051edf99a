/** Supervision for real: every dashboard query against the live Prometheus, logs in the store. */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promQuery } from "../../lab/alerts/prometheus.js";
import { DASHBOARDS } from "../../lab/dashboards/index.js";
import { type PanelQuery, panelQueries } from "../../lab/dashboards/queries.js";
import { queryLogs } from "../../lab/logs/read.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { dashboardCredentials } from "../../lab/state/secrets.js";
import { runningTasks } from "../../lab/swarm/tasks.js";
import { cli } from "../support/cli.js";
import { dashboardAuth, eventually, theLab, withServiceStopped } from "../support/lab.js";
import { activeTargets } from "../support/prometheus.js";

let lab: RunningLab;
let auth: string;
beforeAll(async () => {
  lab = await theLab();
  const { user, password } = dashboardCredentials();
  auth = dashboardAuth(user, password);
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

const prom = (query: string) => promQuery(lab, query);

/** Requests to every route the dashboards look at, for `seconds`, in the background. */
async function traffic(seconds: number): Promise<number> {
  const admin = await lab.adminHeaders();
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    await Promise.all([
      lab.http.send("GET", lab.url("app", "/users?limit=5"), { headers: admin }),
      lab.http.send("GET", lab.url("app", "/health/ready")),
      lab.http.send("GET", lab.url("app", "/users/me"), { headers: admin }),
      lab.http.send("GET", lab.url("app", "/no-such-route")),
    ]);
    sent += 4;
  }
  return sent;
}

describe("metrics", () => {
  it("every panel query of every dashboard returns a series from the live Prometheus", async () => {
    const queries: PanelQuery[] = Object.keys(DASHBOARDS).flatMap((file) =>
      panelQueries(JSON.parse(readFileSync(join(REPO_ROOT, "grafana/dashboards", file), "utf8"))),
    );
    const skipped = queries.filter((q) => q.officialOnly);
    const checked = queries.filter((q) => !q.officialOnly);
    console.log(
      `skipped (their source runs only in the official set):\n${skipped.map((q) => `  ${q.dashboard}: ${q.panel}`).join("\n")}`,
    );
    expect(checked.length).toBeGreaterThan(25);
    const sending = traffic(40);
    let empty: string[] = [];
    await eventually(
      "every panel query returns a series",
      async () => {
        empty = [];
        for (const q of checked) {
          if ((await prom(q.resolved)).length === 0)
            empty.push(`${q.dashboard}: ${q.panel} (${q.expr})`);
        }
        return empty.length === 0 ? true : undefined;
      },
      90_000,
    ).catch(() => undefined);
    expect(await sending).toBeGreaterThan(0);
    expect(empty, "panels with no data").toEqual([]);
  });

  it("every node runs a log shipper and a node exporter, and every Prometheus target is up", async () => {
    const engine = lab.manager();
    for (const service of ["logship", "node-exporter"]) {
      const tasks = await runningTasks(engine, `${lab.config.name}_${service}`);
      expect(new Set(tasks.map((t) => t.node)), service).toEqual(
        new Set(lab.nodes.map((n) => n.name)),
      );
    }
    const targets = await eventually(
      "every target up",
      async () => {
        const active = await activeTargets(lab);
        return active.every((t) => t.health === "up") ? active : undefined;
      },
      90_000,
    );
    const count = (job: string) => targets.filter((t) => t.labels.job === job).length;
    expect(count("node")).toBe(lab.nodes.length);
    expect(count("logship")).toBe(lab.nodes.length);
    expect(count("postgres")).toBe(2);
    expect(count("victorialogs")).toBe(1);
    // The postgres exporters reach both members.
    expect(await prom('count by (instance) (pg_up{job="postgres"} == 1)')).toHaveLength(2);
  });
});

describe("logs", () => {
  it("finds a request's Traefik line and app line by its request id within 15 s", async () => {
    const id = randomUUID().replaceAll("-", "");
    const sentAt = Date.now();
    const res = await lab.http.send("GET", lab.url("app", "/health/ready"), {
      headers: { "x-request-id": id },
    });
    expect(res.headers["x-request-id"]).toBe(id);
    const found = await eventually(
      "Traefik's and the app's line for the request id",
      async () => {
        const lines = [
          ...(await queryLogs(lab, "victorialogs", {
            stack: lab.config.name,
            service: "traefik",
            sinceS: 120,
            requestId: id,
            limit: 10,
          })),
          ...(await queryLogs(lab, "victorialogs", {
            stack: lab.config.name,
            service: "app",
            sinceS: 120,
            requestId: id,
            limit: 10,
          })),
        ];
        const services = new Set(lines.map((l) => l.service));
        return services.has("traefik") && services.has("app") ? lines : undefined;
      },
      15_000,
    );
    console.log(`request id found in the log store after ${(Date.now() - sentAt) / 1000} s`);
    const nodes = new Set(lab.nodes.map((n) => n.name));
    for (const l of found) {
      expect(l.line).toContain(id);
      expect(nodes, `node of ${l.service}'s line`).toContain(l.node);
      expect(l.task).toMatch(new RegExp(`^${lab.config.name}_${l.service}\\.`));
    }
  });

  it("lab:logs reads a service's lines, and refuses an unknown service (exit 2)", async () => {
    const id = randomUUID();
    await lab.http.send("GET", lab.url("app", "/health/live"), { headers: { "x-request-id": id } });
    const r = await eventually(
      "lab:logs app --request-id",
      async () => {
        const out = await cli(["logs", "app", "--since", "5m", "--request-id", id, "-o", "json"]);
        return out.code === 0 && JSON.parse(out.stdout).length > 0 ? out : undefined;
      },
      30_000,
    );
    const lines = JSON.parse(r.stdout) as Array<{ service: string; line: string }>;
    expect(lines.every((l) => l.service === "app" && l.line.includes(id))).toBe(true);
    const text = await cli(["logs", "app", "--since", "5m", "--grep", id]);
    expect(text.stdout).toMatch(new RegExp(`lab-node-\\d app \\| .*${id}`));
    const missing = await cli(["logs", "no-such-service"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no service "no-such-service".*\n.*app/);
    const badSince = await cli(["logs", "app", "--since", "yesterday"]);
    expect(badSince.code).toBe(2);
  });

  it("lab:logs says so when the log store is down (exit 5), and works again after", async () => {
    await withServiceStopped(lab, "victorialogs", async () => {
      const r = await cli(["logs", "app", "--since", "1m"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/log store \(victorialogs\) does not answer/);
      expect(r.stderr).toMatch(/lab:up/);
    });
    await eventually(
      "lab:logs answers again",
      async () => ((await cli(["logs", "app", "--since", "1m"])).code === 0 ? true : undefined),
      90_000,
    );
  });

  it("lab:status lists the observability services and the logs URL", async () => {
    const r = await cli(["status", "-o", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      services: Array<{ name: string; running: number; desired: number }>;
      urls: Record<string, string>;
    };
    for (const name of [
      "victorialogs",
      "logship",
      "node-exporter",
      "pg1-exporter",
      "pg2-exporter",
    ]) {
      const svc = s.services.find((v) => v.name === `${lab.config.name}_${name}`);
      expect(svc, name).toBeDefined();
      expect(svc?.running, name).toBe(svc?.desired);
    }
    expect(s.urls.logs).toBe(lab.url("logs", "/select/vmui/"));
    const ui = await lab.http.send("GET", s.urls.logs ?? "", { headers: { authorization: auth } });
    expect(ui.status).toBe(200);
    const noAuth = await lab.http.send("GET", s.urls.logs ?? "");
    expect(noAuth.status).toBe(401);
  });
});
