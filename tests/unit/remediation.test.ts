/** The alerting section of swarm-lab.yaml: the remediator's policy, receivers, the stack's parts. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { LabConfig } from "../../lab/config/schema.js";
import { planAlertmanager, withReceiverSecrets } from "../../lab/plan/alertmanager.js";
import { planLab } from "../../lab/plan/lab.js";
import { remediatorPolicy } from "../../lab/plan/remediation.js";
import type { FileResolver } from "../../lab/plan/stack.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { gatherFacts } from "../../lab/steps/facts.js";
import { config } from "../support/config.js";
import { has } from "../support/tools.js";

const template = readFileSync(join(REPO_ROOT, "prometheus/alertmanager.yml"), "utf8");
const receivers = config({
  alerting: {
    receivers: {
      email: {
        to: "ops@example.org",
        from: "lab@example.org",
        smarthost: "smtp.example.org:587",
        username: "lab",
        passwordFile: "secrets/smtp",
      },
      slack: { urlFile: "secrets/slack", channel: "#lab" },
      webhooks: [{ url: "https://hooks.example.org/lab", tokenFile: "secrets/hook" }],
    },
  },
}).alerting.receivers;

const stackOf = (c: LabConfig, resolve: FileResolver) =>
  planLab(c, gatherFacts("offline", "test", {}, resolve)).stack.doc;

describe("remediator policy", () => {
  it("turns durations into seconds and thresholds into the metric names the rules read", () => {
    const p = remediatorPolicy(
      config({
        alerting: {
          dryRun: true,
          actions: { scaleUp: { max: 4, cooldown: "90s", quietPeriod: "1m" } },
          thresholds: { appLatencyP95: 0.2, backupMaxAge: "2h" },
        },
      }),
    );
    expect(p.stack).toBe("lab");
    expect(p.dryRun).toBe(true);
    expect(p.actions["scale-up"]).toEqual({ enabled: true, max: 4, cooldownS: 90, quietS: 60 });
    expect(p.rateLimit).toEqual({ max: 6, perS: 3600 });
    expect(p.thresholds).toEqual({
      app_latency_p95_seconds: 0.2,
      app_cpu_cores: 0.8,
      backup_max_age_seconds: 7200,
    });
    const rules = readFileSync(join(REPO_ROOT, "prometheus/rules/lab.yml"), "utf8");
    for (const name of Object.keys(p.thresholds)) expect(rules).toContain(`name="${name}"`);
  });

  it("is the remediator's environment in the rendered stack, which holds no Docker socket", () => {
    const c = config({ alerting: { dryRun: true } });
    const doc = stackOf(c, (f) => ({ path: f, hash: "0".repeat(12) }));
    const services = doc.services as Record<string, Record<string, unknown>>;
    const rem = services.remediator as {
      environment: Record<string, string>;
      volumes: Array<{ source: string }>;
    };
    expect(JSON.parse(rem.environment.REMEDIATOR_POLICY ?? "{}").dryRun).toBe(true);
    expect(rem.volumes.map((v) => v.source)).not.toContain("/var/run/docker.sock");
    // Its way to the Swarm: docker-actions, alone with it on the remediation network, with the
    // socket and its own replica bound (from swarm-lab.yaml, not the remediator's policy).
    const actions = services["docker-actions"] as {
      networks: string[];
      environment: Record<string, string>;
      cap_drop: string[];
      volumes: Array<{ source: string }>;
    };
    expect(actions.networks).toEqual(["remediation"]);
    expect(actions.volumes.map((v) => v.source)).toEqual(["/var/run/docker.sock"]);
    expect(actions.cap_drop).toEqual(["ALL"]);
    expect(Number(actions.environment.ACTIONS_MAX_REPLICAS)).toBe(c.alerting.actions.scaleUp.max);
    expect(rem.environment.DOCKER_API).toBe("http://docker-actions:2375");
    const onRemediation = Object.entries(services)
      .filter(([, s]) => (s.networks as string[] | undefined)?.includes("remediation"))
      .map(([name]) => name);
    expect(onRemediation.sort()).toEqual(["docker-actions", "remediator"]);
  });
});

describe("notification receivers", () => {
  it("adds the user's receivers with secrets read from files, never inlined", () => {
    const plan = planAlertmanager(template, receivers);
    const doc = parse(plan.yaml);
    const people = doc.receivers.find((r: { name: string }) => r.name === "people");
    expect(people.email_configs[0].auth_password_file).toBe("/run/secrets/am_email_password");
    expect(people.slack_configs[0].api_url_file).toBe("/run/secrets/am_slack_url");
    expect(people.webhook_configs[0].http_config.authorization.credentials_file).toBe(
      "/run/secrets/am_webhook_token_0",
    );
    expect(doc.route.routes[0]).toMatchObject({ receiver: "people", continue: true });
    expect(plan.secrets.map((s) => s.file)).toEqual([
      "secrets/smtp",
      "secrets/slack",
      "secrets/hook",
    ]);
  });

  it("the lab's own receivers get Alertmanager's token, which only the three of them hold", () => {
    const doc = parse(planAlertmanager(template, config({}).alerting.receivers).yaml);
    for (const name of ["remediator", "lab"]) {
      const hook = doc.receivers.find((r: { name: string }) => r.name === name).webhook_configs[0];
      expect(hook.http_config.authorization.credentials_file).toBe(
        "/run/secrets/alert_webhook_token",
      );
    }
    const stack = stackOf(config({}), (f) => ({ path: f, hash: "0".repeat(12) }));
    const holders = Object.entries(stack.services as Record<string, { secrets?: unknown[] }>)
      .filter(([, svc]) =>
        (svc.secrets ?? []).some(
          (x) => (x as { source?: string }).source === "alert_webhook_token",
        ),
      )
      .map(([name]) => name)
      .sort();
    expect(holders).toEqual(["alert-receiver", "alertmanager", "remediator"]);
  });

  it("Alertmanager's API asks for a user; Prometheus and the remediator each hold only their own", () => {
    const stack = stackOf(config({}), (f) => ({ path: f, hash: "0".repeat(12) }));
    const services = stack.services as Record<
      string,
      { command?: string[]; secrets?: Array<{ source?: string }> }
    >;
    expect(services.alertmanager?.command).toContain(
      "--web.config.file=/run/secrets/alertmanager_web",
    );
    const holdersOf = (secret: string) =>
      Object.entries(services)
        .filter(([, svc]) => (svc.secrets ?? []).some((x) => x.source === secret))
        .map(([name]) => name);
    expect(holdersOf("alertmanager_web")).toEqual(["alertmanager"]);
    expect(holdersOf("alertmanager_prometheus_password")).toEqual(["prometheus"]);
    expect(holdersOf("alertmanager_remediator_password")).toEqual(["remediator"]);
    const prom = parse(readFileSync(join(REPO_ROOT, "prometheus/prometheus.yml"), "utf8"));
    const amAuth = prom.alerting.alertmanagers[0].basic_auth;
    expect(amAuth).toEqual({
      username: "prometheus",
      password_file: "/run/secrets/alertmanager_prometheus_password",
    });
    // Its metrics are scraped by a job of its own with that user, not by the open one.
    const jobs = prom.scrape_configs as Array<{ job_name: string; basic_auth?: unknown }>;
    expect(jobs.find((j) => j.job_name === "alertmanager")?.basic_auth).toEqual(amAuth);
  });

  it("without receivers the configuration is the template's", () => {
    const plan = planAlertmanager(template, config({}).alerting.receivers);
    expect(parse(plan.yaml)).toEqual(parse(template));
    expect(plan.secrets).toEqual([]);
  });

  it("gives Alertmanager each secret under a content-hashed name", () => {
    const plan = planAlertmanager(template, receivers);
    const doc = withReceiverSecrets(
      { services: { alertmanager: { secrets: [] } }, secrets: {} },
      plan.secrets,
      "lab",
      (f) => ({ path: `/abs/${f}`, hash: "abcdef0123456789" }),
    );
    expect(doc.secrets).toMatchObject({
      am_slack_url: { file: "/abs/secrets/slack", name: "lab_am_slack_url_abcdef0123" },
    });
    expect(
      (doc.services as { alertmanager: { secrets: unknown[] } }).alertmanager.secrets,
    ).toHaveLength(3);
  });

  it.skipIf(!has("amtool"))("amtool accepts the configuration with every receiver kind", () => {
    const file = join(mkdtempSync(join(tmpdir(), "am-")), "alertmanager.yml");
    writeFileSync(file, planAlertmanager(template, receivers).yaml);
    const out = execFileSync("amtool", ["check-config", file], { encoding: "utf8" });
    expect(out).toMatch(/SUCCESS/);
    expect(out).toMatch(/3 receivers/);
  });

  it("a missing secret file stops the deploy with the path to fix", () => {
    const c = config({
      alerting: { receivers: { slack: { urlFile: "no/such/file", channel: "#x" } } },
    });
    expect(() =>
      stackOf(c, (f) => {
        if (f.startsWith("no/")) throw new Error("ENOENT");
        return { path: f, hash: "0".repeat(12) };
      }),
    ).toThrow(/cannot read the secret file no\/such\/file/);
  });
});

describe.skipIf(!has("haproxy"))("the Docker API proxies' allow-lists", () => {
  it.each(["readonly.cfg", "nodelogs.cfg"])("haproxy accepts %s", (file) => {
    const out = execFileSync(
      "haproxy",
      ["-c", "-f", join(REPO_ROOT, "images/docker-proxy", file)],
      {
        encoding: "utf8",
      },
    );
    expect(out).toMatch(/valid/);
  });
});
