import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../lab/config/load.js";
import { configJsonSchema } from "../../lab/config/schema.js";
import { mergeInputs, validateConfig } from "../../lab/config/validate.js";
import { LabError } from "../../lab/errors.js";

const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);

describe("config", () => {
  it("fills every default from an empty file", () => {
    const r = validateConfig(parse(readFileSync(fixture("valid-empty.yaml"), "utf8")));
    expect(r).toEqual({
      ok: true,
      config: {
        name: "lab",
        driver: "dind",
        nodes: 3,
        images: "auto",
        domain: "lab.localhost",
        bind: "127.0.0.1",
        ports: { https: 443, http: 80 },
        provider: "virtualbox",
        app: { replicas: 3 },
        database: { synchronous: true },
        backup: { full: "24h", diff: "1h", retentionFull: 2, archiveTimeoutS: 60 },
        observability: {
          logs: { retention: "7d", maxSizeMiB: 2048 },
          metrics: { retention: "7d", maxSizeMiB: 2048 },
        },
        deploy: { strategy: "rolling", watchS: 15, maxErrorRatio: 0.01, timeoutS: 240, warmS: 60 },
        alerting: {
          dryRun: false,
          rateLimit: { actions: 6, per: "1h" },
          actions: {
            scaleUp: { enabled: true, max: 5, cooldown: "2m", quietPeriod: "10m" },
            backup: { enabled: true, cooldown: "30m" },
            redeploy: { enabled: true, cooldown: "30m" },
            rebalance: { enabled: true, cooldown: "30m" },
          },
          thresholds: { appLatencyP95: 0.5, appCpu: 0.8 },
          receivers: { webhooks: [] },
        },
      },
    });
  });

  it("refuses an unknown alerting key, a bad receiver and a maximum below the replicas", () => {
    const r = validateConfig(parse(readFileSync(fixture("invalid-alerting.yaml"), "utf8")));
    const errors = r.ok ? [] : r.errors;
    expect(errors.find((e) => e.startsWith("alerting.actions.scaleUp:"))).toMatch(/maxReplicas/);
    expect(errors.find((e) => e.startsWith("alerting.receivers.email.smarthost:"))).toMatch(
      /host:port/,
    );
    expect(errors.find((e) => e.startsWith("alerting.receivers.webhooks.0.url:"))).toBeDefined();
    expect(errors.find((e) => e.startsWith("alerting.thresholds.backupMaxAge:"))).toMatch(/unit/);
    const low = validateConfig({
      app: { replicas: 4 },
      alerting: { actions: { scaleUp: { max: 3 } } },
    });
    expect(low.ok ? [] : low.errors).toEqual([
      expect.stringMatching(/^alerting.actions.scaleUp.max: .*at least app.replicas/),
    ]);
  });

  it("keeps every value of a full file", () => {
    const config = loadConfig(fixture("valid-full.yaml"), {});
    expect(config.ports).toEqual({ https: 8443, http: 8080 });
    expect(config.app.replicas).toBe(2);
    expect(config.domain).toBe("demo.localhost");
    expect(config.backup).toEqual({
      full: "7d",
      diff: "6h",
      retentionFull: 3,
      archiveTimeoutS: 120,
    });
    expect(config.observability).toEqual({
      logs: { retention: "3d", maxSizeMiB: 512 },
      metrics: { retention: "14d", maxSizeMiB: 4096 },
    });
    expect(config.alerting.dryRun).toBe(true);
    expect(config.alerting.actions.scaleUp).toMatchObject({ max: 4, quietPeriod: "5m" });
    expect(config.alerting.thresholds.backupMaxAge).toBe("2h");
    expect(config.alerting.receivers.webhooks).toEqual([
      { url: "https://hooks.example.org/lab", tokenFile: "secrets/hook-token" },
    ]);
    expect(config.alerting.receivers.slack?.channel).toBe("#lab");
  });

  it("refuses a retention that is not whole days, a tiny cap and unknown observability keys", () => {
    const r = validateConfig(parse(readFileSync(fixture("invalid-observability.yaml"), "utf8")));
    const errors = r.ok ? [] : r.errors;
    expect(errors.find((e) => e.startsWith("observability.logs.retention:"))).toMatch(/whole days/);
    expect(errors.find((e) => e.startsWith("observability.logs.maxSizeMiB:"))).toMatch(/64/);
    expect(errors.find((e) => e.startsWith("observability.metrics:"))).toMatch(/sizeMiB/);
    expect(errors.find((e) => e.startsWith("observability:"))).toMatch(/traces/);
  });

  it("reports every problem with its path, not only the first", () => {
    const r = validateConfig(parse(readFileSync(fixture("invalid-many.yaml"), "utf8")));
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    const paths = errors.map((e) => e.split(":")[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "name",
        "nodes",
        "images",
        "domain",
        "ports.https",
        "ports",
        "(root)",
      ]),
    );
    expect(errors.find((e) => e.startsWith("(root)"))).toMatch(/colour/);
    expect(errors.find((e) => e.startsWith("ports:"))).toMatch(/extra/);
  });

  it("lets flags win over the file, deeply", () => {
    const config = loadConfig(fixture("valid-full.yaml"), {
      ports: { https: 9443 },
      nodes: undefined,
    });
    expect(config.ports).toEqual({ https: 9443, http: 8080 });
    expect(config.nodes).toBe(3);
    expect(mergeInputs({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it("fails with exit code 2 and a fix for a bad file", () => {
    const err = (() => {
      try {
        loadConfig(fixture("invalid-many.yaml"), {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).exitCode).toBe(2);
    expect((err as LabError).message).toMatch(/ports\.https/);
    expect(() => loadConfig(fixture("missing.yaml"), {})).toThrow(/does not exist/);
  });

  it("loads the example from the README", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const block = /```yaml\n# swarm-lab\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "README has a ```yaml block starting with '# swarm-lab.yaml'").toBeDefined();
    expect(validateConfig(parse(block ?? ""))).toMatchObject({ ok: true });
  });

  it("publishes a JSON schema that rejects unknown keys", () => {
    const schema = configJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["name", "driver", "nodes", "images", "domain", "ports", "app"]),
    );
    expect(schema.additionalProperties).toBe(false);
  });
});
