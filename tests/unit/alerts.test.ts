import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { schemasPresent, validatorFor } from "../support/schemas.js";
import { has } from "../support/tools.js";

const read = (p: string) => readFileSync(join(REPO_ROOT, p), "utf8");
interface Rule {
  alert: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules = (parse(read("prometheus/rules/lab.yml")).groups as Array<{ rules: Rule[] }>).flatMap(
  (g) => g.rules,
);
const cases = parse(read("prometheus/tests/lab.test.yml")).tests as Array<{
  alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }>;
}>;

describe("alert rules", () => {
  it("cover what the lab must watch", () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "AppHighErrorRate",
        "TraefikHighErrorRate",
        "AppHighLatency",
        "AppReplicasMissing",
        "PostgresNoPrimary",
        "PostgresReplicaMissing",
        "PostgresReplicaLagging",
        "WalArchiveFailing",
        "BackupTooOld",
        "NodeDown",
        "NodeDiskFillingUp",
        "ContainerRestarting",
        "CertificateExpiringSoon",
        "EtcdNoLeader",
        "LogStoreDown",
        "LogShipperDown",
      ]),
    );
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    "%s has a severity, a team, a reason and a runbook section that exists",
    (_name, rule) => {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(["platform", "database"]).toContain(rule.labels.team);
      expect(rule.annotations.reason?.length ?? 0).toBeGreaterThan(20);
      const [file, anchor] = (rule.annotations.runbook ?? "").split("#");
      expect(file).toBe("docs/runbook.md");
      const headings = [...read("docs/runbook.md").matchAll(/^## (.+)$/gm)].map((m) =>
        (m[1] ?? "").toLowerCase(),
      );
      expect(headings).toContain(anchor);
    },
  );

  it.each(rules.map((r) => [r.alert] as const))(
    "%s has a promtool case where it fires and one where it stays quiet",
    (name) => {
      const checks = cases.flatMap((c) => c.alert_rule_test).filter((t) => t.alertname === name);
      expect(
        checks.some((t) => t.exp_alerts.length > 0),
        "fires",
      ).toBe(true);
      expect(
        checks.some((t) => t.exp_alerts.length === 0),
        "quiet",
      ).toBe(true);
    },
  );
});

describe("Alertmanager configuration", () => {
  const am = parse(read("prometheus/alertmanager.yml"));

  it("inhibits a node's per-service alerts while the node is down", () => {
    const rule = am.inhibit_rules.find((r: { source_matchers: string[] }) =>
      r.source_matchers.includes('alertname="NodeDown"'),
    );
    expect(rule.target_matchers).toEqual(['scope="service"']);
    expect(rule.equal).toEqual(["node"]);
    const scoped = rules.filter((r) => r.labels.scope === "service");
    expect(scoped.length).toBeGreaterThan(2);
  });

  it("repeats less often than the longest automatic action (1 h) and keeps resolved notices", () => {
    const hours = Number(/^(\d+)h$/.exec(am.route.repeat_interval)?.[1]);
    expect(hours).toBeGreaterThan(1);
    expect(am.receivers[0].webhook_configs[0].send_resolved).toBe(true);
  });

  it.skipIf(!schemasPresent)("prometheus-alertmanager.json accepts it", () => {
    expect(validatorFor("prometheus-alertmanager.json")(am)).toEqual([]);
  });

  it.skipIf(!has("amtool"))(
    "amtool accepts it (skipped without amtool: apt-get install prometheus-alertmanager)",
    () => {
      const out = execFileSync(
        "amtool",
        ["check-config", join(REPO_ROOT, "prometheus/alertmanager.yml")],
        { encoding: "utf8" },
      );
      expect(out).toMatch(/SUCCESS/);
      expect(out).toMatch(/3 inhibit rules/);
    },
  );
});
