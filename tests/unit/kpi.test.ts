/** DORA figures from a scripted delivery history whose answers are worked out by hand. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { computeKpis } from "../../lab/deploy/kpi.js";
import { kpiMetrics } from "../../lab/deploy/metrics.js";
import type { Delivery } from "../../lab/deploy/plan.js";

const H = 3_600_000;
const now = new Date("2026-11-28T00:00:00Z");
const t = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * H).toISOString();

/** A deploy started `ago` hours before now, lasting 1 h, of a commit made `lead` hours before it ended. */
function deploy(ago: number, lead: number, extra: Partial<Delivery> = {}): Delivery {
  return {
    at: t(ago),
    kind: "deploy",
    version: `v${ago}`,
    from: "v0",
    strategy: "rolling",
    commit: `c${ago}`,
    commitAt: t(ago - 1 + lead),
    result: "succeeded",
    durationS: 3600,
    ...extra,
  };
}

// Four weeks. Successful deploys: 7 (lead times 2, 4, 6, 8, 10, 30, 50 h: median 8 h).
// Failed changes: one rolled back (restored 10 min after it started), one followed by an alert
// 30 min after it ended (restored by the next successful deploy, which ends 160 min after it started).
const history: Delivery[] = [
  deploy(600, 2),
  deploy(500, 4),
  deploy(400, 6),
  deploy(300, 8, { version: "incident" }),
  deploy(300 - 100 / 60, 10), // starts 100 min after "incident" (after the alert), ends 160 min after it started
  deploy(200, 30),
  deploy(100, 50),
  deploy(50, 1, { result: "rolled-back", reason: "not ready", durationS: 600, rollbackS: 12 }),
  // outside the window, and a rollback: neither is a deployment counted
  deploy(24 * 40, 1),
  { ...deploy(20, 1), kind: "rollback" },
];
const incidents = [{ at: t(300 - 1.5), name: "AppErrorRate" }];

describe("DORA KPIs", () => {
  const k = computeKpis(history, incidents, now, 28, 60);

  it("deployment frequency: successful deploys a week in the window", () => {
    expect(k.deployments).toBe(8);
    expect(k.deploymentsPerWeek).toBe(1.75);
    expect(k.deploymentFrequency).toMatch(/^high/);
  });

  it("lead time: the median from commit to deploy finished", () => {
    expect(k.leadTimeHours).toBe(8);
    expect(k.leadTime).toMatch(/^elite/);
  });

  it("change failure rate: rolled back, or followed by an alert within the incident window", () => {
    expect(k.failedChanges).toBe(2);
    expect(k.changeFailureRate).toBe(0.25);
    expect(k.changeFailure).toMatch(/^low/);
  });

  it("time to restore: the rollback's end, or the next successful deploy's", () => {
    expect(k.timeToRestoreMinutes).toBe(85); // median of 10 and 160
    expect(k.timeToRestore).toMatch(/^high/);
  });

  it("an alert outside the incident window, or before any deploy, is not a failed change", () => {
    const late = computeKpis(
      history,
      [
        { at: t(295), name: "late" },
        { at: t(700), name: "early" },
      ],
      now,
      28,
      60,
    );
    expect(late.failedChanges).toBe(1);
    expect(late.timeToRestoreMinutes).toBe(10);
  });

  it("no history: no data, not zeros", () => {
    const none = computeKpis([], [], now);
    expect(none).toMatchObject({
      deployments: 0,
      deploymentFrequency: "none",
      leadTimeHours: null,
      changeFailureRate: null,
      timeToRestoreMinutes: null,
      leadTime: "no data",
    });
  });
});

describe("the KPIs as metrics (node-exporter's textfile collector)", () => {
  const check = (text: string) => {
    // promtool reads the exposition as Prometheus would, and lints names, help and types.
    return execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  };

  it("exposes the worked-out figures, valid for promtool", () => {
    const text = kpiMetrics(computeKpis(history, incidents, now, 28, 60), history, "28d");
    check(text);
    expect(text).toContain('swarm_lab_delivery_lead_time_seconds{window="28d"} 28800\n');
    expect(text).toMatch(/swarm_lab_delivery_change_failure_ratio\{window="28d"\} 0\.25\n/);
    expect(text).toContain(
      'swarm_lab_delivery_recorded_total{kind="rollback",result="succeeded"} 1\n',
    );
    expect(text).toContain("swarm_lab_delivery_last_deploy_succeeded 0\n");
  });

  it("says NaN, not 0, for a KPI without data (no deploy yet)", () => {
    const text = kpiMetrics(computeKpis([], [], now, 30, 60), [], "30d");
    check(text);
    expect(text).toContain('swarm_lab_delivery_deployments{window="30d"} 0\n');
    expect(text).toContain('swarm_lab_delivery_lead_time_seconds{window="30d"} NaN\n');
    expect(text).toContain("swarm_lab_delivery_last_deploy_timestamp_seconds NaN\n");
  });
});
