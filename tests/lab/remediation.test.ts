/**
 * Alerts that act, on the real lab: the Docker API proxy's allow-list, a malformed webhook, a
 * flood of repeats, BackupTooOld -> a backup, the same fault in dry-run, and saturation -> scale up
 * and back (the alert-scale drill). Each measures fault -> firing -> action -> resolved.
 */

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promQuery } from "../../lab/alerts/prometheus.js";
import {
  activeAlerts,
  currentPolicy,
  type Patch,
  patched,
  readDecisions,
  setPolicy,
  withPolicy,
} from "../../lab/alerts/remediation.js";
import type { Decision } from "../../lab/alerts/view.js";
import { REMEDIATION_ANNOTATION } from "../../lab/dashboards/kit.js";
import { runDrill } from "../../lab/drills/run.js";
import { planImages } from "../../lab/images/plan.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { consoleLog } from "../../lab/runtime/log.js";
import { statePaths } from "../../lab/state/paths.js";
import { checkAlerting, RULES_FILE } from "../../lab/steps/alerting.js";
import { runningTasks } from "../../lab/swarm/tasks.js";
import { eventually, pythonIn as pythonIn_, theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

// Lab tests may run again on the same lab within the hour: the rate limit is unit-tested.
const TEST_LIMITS: Patch = { rateLimit: { max: 50 } };

const pythonIn = (service: string, code: string) => pythonIn_(lab, service, code);

/**
 * HTTP status of each request, sent from inside a service's task ("error" when none answers);
 * `true` as a fourth element sends Alertmanager's webhook token, read from the task's secrets.
 */
const statusesFrom = (service: string, requests: Array<[string, string, string?, boolean?]>) =>
  pythonIn(
    service,
    `import json, urllib.request as u, urllib.error as e
def token():
    with open("/run/secrets/alert_webhook_token") as f:
        return f.read().strip()
out = []
for method, url, body, auth in json.loads(${JSON.stringify(JSON.stringify(requests.map(([m, url, b, a]) => [m, url, b ?? null, a ?? false])))}):
    try:
        data = body.encode() if body is not None else (b"{}" if method == "POST" else None)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = "Bearer " + token()
        out.append(u.urlopen(u.Request(url, data=data, method=method, headers=headers), timeout=5).status)
    except e.HTTPError as err:
        out.append(err.code)
    except OSError:
        out.append("error")
print(json.dumps(out))`,
  ).then((s) => JSON.parse(s) as Array<number | string>);

const prom = (query: string) => promQuery(lab, query);

const lastBackupAt = async () =>
  Number(
    (await prom('max(lab_backup_last_success_timestamp_seconds{type="any"})'))[0]?.value[1] ?? 0,
  );

const since = (t0: number, t: number) => Math.round((t - t0) / 100) / 10;

describe("remediation", { timeout: 420_000 }, () => {
  it("lab:up refuses a broken rule file or Alertmanager configuration, checked by the images' own tools", async () => {
    const images = planImages("offline");
    const am = statePaths().alertmanagerConfig;
    await checkAlerting(images, RULES_FILE, am);
    const rules = join(mkdtempSync(join(tmpdir(), "rules-")), "lab.yml");
    writeFileSync(
      rules,
      readFileSync(RULES_FILE, "utf8").replace(
        'expr: up{job="app"} == 0',
        'expr: up{job="app" == 0',
      ),
    );
    await expect(checkAlerting(images, rules, am)).rejects.toThrow(
      /alert rules .* refused before deploying/s,
    );
    const badAm = join(mkdtempSync(join(tmpdir(), "am-")), "alertmanager.yml");
    writeFileSync(
      badAm,
      readFileSync(am, "utf8").replace("group_wait: 10s", "group_wait: 10s\n  group_whenever: 1s"),
    );
    await expect(checkAlerting(images, RULES_FILE, badAm)).rejects.toThrow(
      /Alertmanager's configuration .* refused/s,
    );
  });

  it("from inside the remediator: named actions on opted-in services within bounds, no spec, no socket", async () => {
    const api = "http://docker-actions:2375";
    const engine = lab.manager();
    const spec = async (service: string) =>
      (await engine.services.inspect(`${lab.config.name}_${service}`)) as {
        Version: { Index: number };
        Spec: {
          Mode: { Replicated?: { Replicas: number } };
          TaskTemplate: { ContainerSpec: { CapabilityDrop?: string[] } };
        };
      };
    const [appBefore, pgBefore] = [await spec("app"), await spec("pg1")];
    // What an attacker holding the remediator's task would try, each answered without an update.
    const tried = await statusesFrom("remediator", [
      ["GET", `${api}/services/app`],
      ["GET", `${api}/services/app/tasks`],
      ["GET", `${api}/nodes/ready`],
      ["POST", `${api}/v1.41/services/${lab.config.name}_app/update?version=1`, "{}"],
      ["POST", `${api}/services/${lab.config.name}_app/update`, "{}"],
      ["GET", `${api}/containers/json`],
      ["POST", `${api}/containers/create`],
      ["POST", `${api}/services/create`],
      ["GET", `${api}/secrets`],
      ["GET", `${api}/info`],
      ["DELETE", `${api}/services/app`],
      ["POST", `${api}/v1.41/exec/x/start`],
      ["POST", `${api}/services/pg1/scale`, '{"replicas": 2}'],
      ["POST", `${api}/services/pg1/redeploy`],
      ["POST", `${api}/services/app/scale`, '{"replicas": 99}'],
      ["POST", `${api}/services/app/scale`, '{"replicas": 0}'],
      ["POST", `${api}/services/app/scale`, '{"replicas": "3; rm -rf /"}'],
    ]);
    expect(tried).toEqual([
      200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 403, 403, 403, 403, 400,
    ]);
    // pg1 (no action allowed) is untouched; the app may have been scaled by the remediator itself
    // meanwhile (its own alerts), but never to a forged count, and its image and mounts are its own.
    const [appAfter, pgAfter] = [await spec("app"), await spec("pg1")];
    expect(pgAfter.Version.Index).toBe(pgBefore.Version.Index);
    expect([0, 99]).not.toContain(appAfter.Spec.Mode.Replicated?.Replicas);
    expect(JSON.stringify(appAfter.Spec.TaskTemplate.ContainerSpec)).toBe(
      JSON.stringify(appBefore.Spec.TaskTemplate.ContainerSpec),
    );
    // The remediator's task holds no socket; docker-actions holds it with no capability.
    expect(
      await pythonIn("remediator", "import os; print(os.path.exists('/var/run/docker.sock'))"),
    ).toBe("False");
    expect((await spec("docker-actions")).Spec.TaskTemplate.ContainerSpec.CapabilityDrop).toEqual([
      "ALL",
    ]);
    // The app is not on its network: it cannot even resolve its name.
    const fromApp = await statusesFrom("app", [["GET", `${api}/services/app`]]);
    expect(fromApp).toEqual(["error"]);
  });

  it("a webhook without Alertmanager's token is a 401, a malformed one a 400; neither decides", async () => {
    const before = (await readDecisions(lab)).length;
    const url = "http://127.0.0.1:9096/alerts";
    const got = await statusesFrom("remediator", [
      ["POST", url, "nonsense", true],
      ["POST", url, '{"version": "4", "alerts": [{"status": "odd", "labels": {}}]}', true],
      ["POST", url, '{"version": "3", "alerts": []}', true],
    ]);
    expect(got).toEqual([400, 400, 400]);
    // A well-formed alert asking for a redeploy, from a task on the same network that does not
    // hold the token (the backup service), and from the remediator's own task without it.
    const firing = JSON.stringify({
      version: "4",
      alerts: [
        {
          status: "firing",
          labels: { alertname: "Forged", action: "redeploy", service: "node-exporter" },
          startsAt: new Date().toISOString(),
          fingerprint: `forged-${Date.now()}`,
        },
      ],
    });
    const forged = await statusesFrom("backup", [
      ["POST", `http://remediator:9096/alerts`, firing],
      ["POST", `http://alert-receiver:9095/alerts`, firing],
    ]);
    expect(forged).toEqual([401, 401]);
    expect(await statusesFrom("remediator", [["POST", url, firing]])).toEqual([401]);
    expect((await readDecisions(lab)).length).toBe(before);
  });

  it("Alertmanager's API answers 401 to a task without a user, and the remediator reads it with its own", async () => {
    const silence = JSON.stringify({
      matchers: [{ name: "alertname", value: "NodeDown", isRegex: false }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: "attacker",
      comment: "forged",
    });
    const am = "http://alertmanager:9093";
    const anonymous = await statusesFrom("backup", [
      ["GET", `${am}/api/v2/alerts`],
      ["POST", `${am}/api/v2/silences`, silence],
      ["GET", `${am}/api/v2/silences`],
      ["GET", `${am}/metrics`],
    ]);
    expect(anonymous).toEqual([401, 401, 401, 401]);
    const withItsUser = await pythonIn(
      "remediator",
      `import base64, urllib.request as u
pw = open("/run/secrets/alertmanager_remediator_password").read().strip()
auth = "Basic " + base64.b64encode(("remediator:" + pw).encode()).decode()
print(u.urlopen(u.Request("${am}/api/v2/alerts", headers={"Authorization": auth}), timeout=5).status)`,
    );
    expect(withItsUser).toBe("200");
    // Prometheus scrapes it with its own user (a 401 would make the target down). That it also
    // sends alerts with that user, the BackupTooOld test below shows: it reads the alert back
    // from Alertmanager. (prometheus_notifications_errors_total also counts the refused
    // connections of an Alertmanager restart: not a test of the credentials.)
    const up = await prom('up{job="alertmanager"}');
    expect(up.map((r) => r.value[1])).toEqual(["1"]);
    const discovered = await prom("prometheus_notifications_alertmanagers_discovered");
    expect(discovered.map((r) => r.value[1])).toEqual(["1"]);
  });

  it("a flood of 20 repeated notifications redeploys once", async () => {
    const service = "node-exporter";
    const forceUpdate = async () =>
      (
        (await lab.manager().services.inspect(`${lab.config.name}_${service}`)) as {
          Spec: { TaskTemplate: { ForceUpdate?: number } };
        }
      ).Spec.TaskTemplate.ForceUpdate ?? 0;
    await withPolicy(lab, { ...TEST_LIMITS, actions: { redeploy: { cooldownS: 5 } } }, async () => {
      const before = await forceUpdate();
      const incident = `flood-${Date.now()}`;
      const body = JSON.stringify({
        version: "4",
        status: "firing",
        alerts: [
          {
            status: "firing",
            labels: { alertname: "FloodDrill", action: "redeploy", service },
            annotations: {},
            startsAt: new Date().toISOString(),
            fingerprint: incident,
          },
        ],
      });
      const url = "http://127.0.0.1:9096/alerts";
      const got = await pythonIn(
        "remediator",
        // A connection refused or reset before the request was read (the server's accept
        // backlog is 5 and 20 arrive at once) is sent again, as Alertmanager retries a webhook.
        `import threading, time, urllib.error, urllib.request as u
codes = []
auth = {"Authorization": "Bearer " + open("/run/secrets/alert_webhook_token").read().strip()}
def send():
    for attempt in range(3):
        try:
            codes.append(u.urlopen(u.Request(${JSON.stringify(url)}, data=${JSON.stringify(body)}.encode(), method="POST", headers=auth), timeout=30).status)
            return
        except urllib.error.HTTPError:
            raise
        except (ConnectionError, urllib.error.URLError) as e:
            if attempt == 2 or not isinstance(getattr(e, "reason", e), ConnectionError):
                raise
            time.sleep(1)
ts = [threading.Thread(target=send) for _ in range(20)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(codes))`,
      );
      expect(got).toBe(`[${Array(20).fill(200).join(", ")}]`);
      const mine = (await readDecisions(lab)).filter((d) => d.incident.startsWith(`${incident}@`));
      const results = mine.map((d) => d.result);
      console.log(`flood of 20: ${results.join(",")}`);
      expect(results.filter((r) => r === "act")).toHaveLength(1);
      expect(mine).toHaveLength(20);
      expect(await forceUpdate()).toBe(before + 1);
    });
  });

  /** Sets the backup age limit just above the newest backup's age: it crosses it in `inS`. */
  async function backupIncident(dryRun: boolean, inS: number) {
    const last = await lastBackupAt();
    expect(last).toBeGreaterThan(0);
    const maxAge = Math.ceil(Date.now() / 1000 - last + inS);
    const faultAt = (last + maxAge) * 1000;
    return {
      last,
      faultAt,
      // A short cooldown: these tests may run again on the same lab within 30 min.
      patch: {
        ...TEST_LIMITS,
        dryRun,
        actions: { backup: { cooldownS: 60 } },
        thresholds: { backup_max_age_seconds: maxAge },
      } satisfies Patch,
    };
  }

  const backupDecisions = async (after: number): Promise<Decision[]> =>
    (await readDecisions(lab)).filter((d) => d.action === "backup" && d.at * 1000 >= after);

  it("BackupTooOld: a backup is taken once, and the alert resolves", async () => {
    const startedAt = Date.now();
    const { last, faultAt, patch } = await backupIncident(false, 20);
    await withPolicy(lab, patch, async () => {
      const fired = await eventually(
        "BackupTooOld firing",
        async () => (await activeAlerts(lab)).find((a) => a.labels.alertname === "BackupTooOld"),
        150_000,
      );
      const firedAt = Date.parse(fired.startsAt);
      const acted = await eventually(
        "a backup decision that acted",
        async () => (await backupDecisions(startedAt)).find((d) => d.result === "act"),
        60_000,
      );
      const done = await eventually(
        "a new backup in the repository",
        async () => ((await lastBackupAt()) > last ? Date.now() : undefined),
        180_000,
      );
      const resolvedAt = await eventually(
        "BackupTooOld resolved",
        async () =>
          (await activeAlerts(lab)).some((a) => a.labels.alertname === "BackupTooOld")
            ? undefined
            : Date.now(),
        120_000,
      );
      const all = await backupDecisions(startedAt);
      console.log(
        `backup: fault -> firing ${since(faultAt, firedAt)} s, firing -> action ${since(firedAt, acted.at * 1000)} s, fault -> action ${since(faultAt, acted.at * 1000)} s, action -> backup done ${since(acted.at * 1000, done)} s, action -> resolved ${since(acted.at * 1000, resolvedAt)} s; decisions ${all.map((d) => d.result).join(",")}`,
      );
      expect(since(faultAt, acted.at * 1000)).toBeLessThanOrEqual(90);
      expect(all.filter((d) => d.result === "act")).toHaveLength(1);
    });
  });

  it("dry-run: the same fault logs the decision and changes nothing", async () => {
    const startedAt = Date.now();
    const { last, patch } = await backupIncident(true, 15);
    const before = await currentPolicy(lab);
    await setPolicy(lab, patched(before, patch));
    try {
      const decided = await eventually(
        "a dry-run backup decision",
        async () => (await backupDecisions(startedAt)).find((d) => d.result === "dry_run"),
        150_000,
      );
      expect(decided.dry_run).toBe(true);
      // Long enough for a backup that had been started to show (a differential takes seconds).
      await new Promise((r) => setTimeout(r, 20_000));
      expect(await lastBackupAt()).toBe(last);
      expect((await backupDecisions(startedAt)).filter((d) => d.result === "act")).toEqual([]);
    } finally {
      // Still in dry-run, the age limit back: the alert resolves before real mode returns.
      await setPolicy(lab, patched(before, { ...TEST_LIMITS, dryRun: true }));
      await eventually(
        "BackupTooOld resolved",
        async () =>
          (await activeAlerts(lab)).some((a) => a.labels.alertname === "BackupTooOld")
            ? undefined
            : true,
        120_000,
      );
      await setPolicy(lab, before);
    }
  });

  it("an unbalanced app (a node that was away) is rebalanced: AppUnbalanced -> scale up and back", async () => {
    const engine = lab.manager();
    const name = `${lab.config.name}_app`;
    const away = lab.nodes[lab.nodes.length - 1]?.name ?? "";
    const perNode = async () => {
      const tasks = await runningTasks(engine, name);
      return lab.nodes.map((n) => tasks.filter((t) => t.node === n.name).length);
    };
    const node = lab.nodes.find((n) => n.name === away);
    if (!node) throw new Error(`no node ${away}`);
    const availability = async (to: "pause" | "active") => {
      const found = (
        (await engine.swarm.nodes()) as Array<{
          ID: string;
          Version: { Index: number };
          Spec: Record<string, unknown>;
          Description: { Hostname: string };
        }>
      ).find((n) => n.Description.Hostname === away);
      if (!found) throw new Error(`swarm has no node ${away}`);
      await engine.swarm.updateNode(found.ID, found.Version.Index, {
        ...found.Spec,
        Availability: to,
      });
    };
    // A short cooldown: an earlier rebalance or redeploy of the app (30 min) would hold it back.
    await withPolicy(
      lab,
      { ...TEST_LIMITS, actions: { rebalance: { cooldownS: 60 } } },
      async () => {
        // What a node that left and came back leaves behind: no app task on it, and Swarm does not
        // move any back. Here: the node paused (takes no new task), its app tasks stopped (TERM),
        // Swarm starts them elsewhere, the node active again.
        await availability("pause");
        try {
          for (const t of (await runningTasks(engine, name)).filter((t) => t.node === away)) {
            await lab.driver.engine(node).containers.kill(t.container, "SIGTERM");
          }
          await eventually(
            "no app task on the paused node, every replica running elsewhere",
            async () => {
              const per = await perNode();
              const svc = (await engine.services.inspect(name)) as {
                Spec: { Mode: { Replicated: { Replicas: number } } };
              };
              return per.at(-1) === 0 &&
                per.reduce((a, b) => a + b, 0) === svc.Spec.Mode.Replicated.Replicas
                ? true
                : undefined;
            },
            120_000,
          );
        } finally {
          await availability("active");
        }
        const unbalancedAt = Date.now();
        console.log(`app per node once the node is back: ${(await perNode()).join("/")}`);
        const acted = await eventually(
          "a rebalance that acted",
          async () =>
            (await readDecisions(lab)).find(
              (d) => d.action === "rebalance" && d.result === "act" && d.at * 1000 >= unbalancedAt,
            ),
          180_000,
        );
        const spread = await eventually(
          "app spread within one task per node, on every node",
          async () => {
            const per = await perNode();
            const svc = (await engine.services.inspect(name)) as {
              Spec: { Mode: { Replicated: { Replicas: number } } };
            };
            return Math.min(...per) >= 1 &&
              Math.max(...per) - Math.min(...per) <= 1 &&
              per.reduce((a, b) => a + b, 0) === svc.Spec.Mode.Replicated.Replicas
              ? per
              : undefined;
          },
          120_000,
        );
        console.log(
          `rebalance: unbalanced -> action ${since(unbalancedAt, acted.at * 1000)} s (${JSON.stringify(acted.change)}), -> spread ${spread.join("/")} ${since(unbalancedAt, Date.now())} s`,
        );
      },
    );
  });

  it("saturation: the app is scaled up once and back after the quiet period (drill alert-scale)", async () => {
    const { runs } = await runDrill(
      lab,
      "alert-scale",
      1,
      {},
      consoleLog(),
      new AbortController().signal,
    );
    const run = runs[0];
    if (!run) throw new Error("no run");
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.measures.scaleUpActions).toBe(1);
    // Where Grafana runs, the dashboards draw this as an annotation: it has data now.
    expect((await prom(REMEDIATION_ANNOTATION.replace("[1m]", "[10m]"))).length).toBeGreaterThan(0);
    // Up to 90 s for an earlier scale-up to go back, then the drill (at most 390 s).
  }, 540_000);
});
