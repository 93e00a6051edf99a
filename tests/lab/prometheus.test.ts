import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicasOf } from "../../lab/alerts/remediation.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { dashboardCredentials } from "../../lab/state/secrets.js";
import { dashboardAuth, eventually, theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

interface Target {
  labels: { job: string; instance: string };
  health: string;
  lastError: string;
}

describe("Prometheus", () => {
  it("finds the app, Traefik and Patroni through Swarm discovery and scrapes them", async () => {
    const { user, password } = dashboardCredentials();
    // What Swarm runs now: the remediator may have scaled the app within its bounds.
    const replicas = await replicasOf(lab, "app");
    expect(replicas).toBeGreaterThanOrEqual(lab.config.app.replicas);
    expect(replicas).toBeLessThanOrEqual(lab.config.alerting.actions.scaleUp.max);
    const authorization = dashboardAuth(user, password);
    const up = await eventually(
      "every app, traefik and patroni target up",
      async () => {
        const res = await lab.http.send(
          "GET",
          lab.url("prometheus", "/api/v1/targets?state=active"),
          { headers: { authorization } },
        );
        const targets = (JSON.parse(res.body).data.activeTargets as Target[]).filter(
          (t) => t.health === "up",
        );
        const count = (job: string) => targets.filter((t) => t.labels.job === job).length;
        return count("app") === replicas &&
          count("traefik") === lab.nodes.length &&
          count("patroni") === 2
          ? targets
          : undefined;
      },
      90_000,
    );
    // One target per task: a task on two scraped networks must not be scraped twice.
    const apps = up.filter((t) => t.labels.job === "app");
    expect(new Set(apps.map((t) => t.labels.instance)).size).toBe(replicas);
    expect(apps.map((t) => t.lastError)).toEqual(apps.map(() => ""));
    const query = await lab.http.send(
      "GET",
      lab.url(
        "prometheus",
        `/api/v1/query?query=${encodeURIComponent("sum(app_http_requests_total)")}`,
      ),
      {
        headers: { authorization },
      },
    );
    expect(Number(JSON.parse(query.body).data.result[0].value[1])).toBeGreaterThan(0);
  });
});
