import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promQuery } from "../../lab/alerts/prometheus.js";
import { replicasOf } from "../../lab/alerts/remediation.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { eventually, theLab } from "../support/lab.js";
import { activeTargets, describeTargets, discoveryRefreshes } from "../support/prometheus.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

describe("Prometheus", () => {
  it("finds the app, Traefik and Patroni through Swarm discovery and scrapes them", async () => {
    const { up, replicas } = await eventually(
      "every app, traefik and patroni target up",
      async () => {
        // What Swarm runs now: the remediator may have scaled the app within its bounds.
        const replicas = await replicasOf(lab, "app");
        const targets = await activeTargets(lab);
        const up = targets.filter((t) => t.health === "up");
        const count = (job: string) => up.filter((t) => t.labels.job === job).length;
        if (
          count("app") === replicas &&
          count("traefik") === lab.nodes.length &&
          count("patroni") === 2
        )
          return { up, replicas };
        // Thrown, not returned: the last one is the timeout's message.
        throw new Error(
          `want app ${replicas}, traefik ${lab.nodes.length}, patroni 2\n${await describeTargets(lab, targets)}`,
        );
      },
      90_000,
    );
    expect(replicas).toBeGreaterThanOrEqual(lab.config.app.replicas);
    expect(replicas).toBeLessThanOrEqual(lab.config.alerting.actions.scaleUp.max);
    // One target per task: a task on two scraped networks must not be scraped twice.
    const apps = up.filter((t) => t.labels.job === "app");
    expect(new Set(apps.map((t) => t.labels.instance)).size).toBe(replicas);
    expect(apps.map((t) => t.lastError)).toEqual(apps.map(() => ""));
    const requests = await promQuery(lab, "sum(app_http_requests_total)");
    expect(Number(requests[0]?.value[1])).toBeGreaterThan(0);
  });

  it("its Swarm discovery still refreshes after the drills (every 5 s, each call bounded)", async () => {
    // A discovery call that hangs (a kept-alive connection to a docker-ro task on a node that
    // went away) would freeze the targets: gone tasks scraped, new ones never found.
    const before = await discoveryRefreshes(lab);
    await eventually(
      "a Swarm discovery refresh",
      async () => {
        const now = await discoveryRefreshes(lab);
        if (now > before) return now;
        throw new Error(`still ${now} refreshes`);
      },
      45_000,
    );
  });
});
