/** Alerts for real: a fault fires an alert, Alertmanager notifies the lab's receiver, it resolves. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/running/lab.js";
import { scaleService } from "../../lab/swarm/steer.js";
import { cli } from "../support/cli.js";
import { eventually, execInTask, theLab, withServiceStopped } from "../support/lab.js";
import { activeTargets, describeTargets } from "../support/prometheus.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

interface Listing {
  firing: Array<{ alert: string; state: string; since: string; notified: boolean }>;
  resolved: Array<{ alert: string; started: string; ended: string; lastedS: number }>;
}

const alerts = async (): Promise<Listing> => {
  const r = await cli(["alerts", "-o", "json"]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Listing;
};

describe("alerts", () => {
  it("a stopped log store fires LogStoreDown, the receiver is notified, and it resolves", async () => {
    const engine = lab.manager();
    const service = `${lab.config.name}_victorialogs`;
    expect((await alerts()).firing.map((a) => a.alert)).not.toContain("LogStoreDown");
    const faultAt = Date.now();
    await scaleService(engine, service, 0);
    let firedAt = 0;
    try {
      await eventually(
        "LogStoreDown firing and notified in lab:alerts",
        async () => {
          const l = await alerts();
          // Firing, and the receiver told: restoring the store before Alertmanager's group_wait
          // would resolve an alert nobody was notified of (then no notice at all is sent).
          return l.firing.some(
            (a) => a.alert === "LogStoreDown" && a.state === "active" && a.notified,
          )
            ? l
            : undefined;
        },
        180_000,
      );
      firedAt = Date.now();
    } finally {
      await scaleService(engine, service, 1);
    }
    const resolved = await eventually(
      "LogStoreDown resolved in lab:alerts",
      async () => {
        const l = await alerts();
        // This incident's, not one resolved earlier within the window.
        const found = l.resolved.find(
          (a) => a.alert === "LogStoreDown" && Date.parse(a.started) >= faultAt,
        );
        if (found) return found;
        const store = (await activeTargets(lab)).filter((t) => t.labels.job === "victorialogs");
        throw new Error(
          `firing: ${l.firing.map((a) => a.alert).join(", ") || "none"}\n${await describeTargets(lab, store)}`,
        );
      },
      180_000,
    );
    console.log(
      `fault -> listed firing ${(firedAt - faultAt) / 1000} s; store back -> listed resolved ${(Date.now() - firedAt) / 1000} s; alert lasted ${resolved.lastedS} s`,
    );
    expect(Date.parse(resolved.ended)).toBeGreaterThan(Date.parse(resolved.started));
    expect(resolved.lastedS).toBeGreaterThan(0);
    // Not before its `for: 1m`: a rule that fired at once would flap on every restart.
    expect(firedAt - faultAt).toBeGreaterThanOrEqual(60_000);
  });

  it("the receiver refuses a webhook without Alertmanager's token (401) or malformed (400)", async () => {
    // From the receiver's own task, which holds the token (a Docker secret).
    const post = (body: string, withToken: boolean) =>
      execInTask(lab, "alert-receiver", [
        "python3",
        "-c",
        `import urllib.request as u, urllib.error as e
h = {"Authorization": "Bearer " + open("/run/secrets/alert_webhook_token").read().strip()} if ${withToken ? "True" : "False"} else {}
try:
    print(u.urlopen(u.Request("http://127.0.0.1:9095/alerts", data=${JSON.stringify(body)}.encode(), method="POST", headers=h), timeout=5).status)
except e.HTTPError as err:
    print(err.code)`,
      ]);
    const bad = await post('{"version": "4", "alerts": [{"status": "odd", "labels": {}}]}', true);
    expect(bad.stdout.trim(), bad.stderr).toBe("400");
    const notJson = await post("nonsense", true);
    expect(notJson.stdout.trim(), notJson.stderr).toBe("400");
    const good = `{"version": "4", "alerts": [{"status": "firing", "labels": {"alertname": "Forged"}}]}`;
    const forged = await post(good, false);
    expect(forged.stdout.trim(), forged.stderr).toBe("401");
    const kept = await execInTask(lab, "alert-receiver", [
      "python3",
      "-c",
      `import urllib.request as u; print(u.urlopen("http://127.0.0.1:9095/notifications", timeout=5).read().decode())`,
    ]);
    expect(kept.stdout.trim().startsWith("["), kept.stderr).toBe(true);
    expect(kept.stdout).not.toContain("Forged");
  });

  it("lab:alerts says so when Alertmanager does not answer (exit 5)", async () => {
    await withServiceStopped(lab, "alertmanager", async () => {
      const r = await cli(["alerts"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/Alertmanager does not answer/);
    });
    await eventually("lab:alerts answers again", async () => (await alerts()) && true, 90_000);
  });
});
