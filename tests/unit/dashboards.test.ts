import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DASHBOARDS, dashboardJson } from "../../lab/dashboards/index.js";
import { OFFICIAL_ONLY } from "../../lab/dashboards/kit.js";
import { panelQueries } from "../../lab/dashboards/queries.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { schemasPresent, validatorFor } from "../support/schemas.js";

const committed = (file: string) =>
  readFileSync(join(REPO_ROOT, "grafana/dashboards", file), "utf8");

describe("dashboards as code", () => {
  it.each(Object.keys(DASHBOARDS))(
    "grafana/dashboards/%s is what the generator writes (run `npm run dashboards`)",
    (file) => {
      expect(committed(file)).toBe(dashboardJson(DASHBOARDS[file as keyof typeof DASHBOARDS]));
    },
  );

  it("every dashboard has a unique uid, refreshes every 5 s and uses provisioned datasources", () => {
    const docs = Object.keys(DASHBOARDS).map((f) => JSON.parse(committed(f)));
    expect(new Set(docs.map((d) => d.uid)).size).toBe(docs.length);
    const uids = new Set(
      parse(
        readFileSync(join(REPO_ROOT, "grafana/provisioning/datasources/lab.yml"), "utf8"),
      ).datasources.map((d: { uid: string }) => d.uid),
    );
    for (const d of docs) {
      expect(d.refresh, d.uid).toBe("5s");
      for (const q of panelQueries(d)) expect(uids, `${d.uid}: ${q.panel}`).toContain(q.datasource);
    }
  });

  // Loki (pkg/logql/log/parser.go at 3.5): a parser stage labels a line it cannot parse with
  // __error__, and a metric query over such lines fails whole ("pipeline error"), so one plain-text
  // line in the window blanks the panel. Every metric query that parses must drop those labels.
  it("every Loki metric query that parses lines drops the parser's error labels", () => {
    const loki = Object.keys(DASHBOARDS)
      .flatMap((f) => panelQueries(JSON.parse(committed(f))))
      .filter((q) => q.datasource === "loki");
    const metric = loki.filter((q) =>
      /\b(count_over_time|rate|bytes_over_time|sum_over_time)\(/.test(q.expr),
    );
    const parsing = metric.filter((q) => /\|\s*(json|logfmt|regexp|pattern|unpack)\b/.test(q.expr));
    expect(parsing.length, "a parsing metric query to check").toBeGreaterThan(0);
    for (const q of parsing)
      expect(q.expr, q.panel).toMatch(
        /\|\s*(json|logfmt|regexp|pattern|unpack)\b.*\|\s*(drop __error__, __error_details__|__error__\s*=\s*"")/,
      );
  });

  it("lists every panel query, with official-only panels marked (Loki, cAdvisor network)", () => {
    const queries = Object.keys(DASHBOARDS).flatMap((f) => panelQueries(JSON.parse(committed(f))));
    expect(queries.length).toBeGreaterThan(30);
    const official = queries.filter((q) => q.officialOnly);
    expect(official.every((q) => q.datasource === "loki" || /network/i.test(q.panel))).toBe(true);
    expect(official.length).toBeGreaterThan(0);
    expect(queries.filter((q) => q.datasource === "loki").every((q) => q.officialOnly)).toBe(true);
    expect(queries.find((q) => q.panel === "p95 latency in the app by route")?.expr).toMatch(
      /histogram_quantile\(0\.95/,
    );
    expect(OFFICIAL_ONLY).toMatch(/official/);
  });

  it("the overview shows what a trainer needs during a failover", () => {
    const titles = panelQueries(JSON.parse(committed("lab-overview.json"))).map((q) => q.panel);
    for (const want of [
      "Nodes up",
      "Firing alerts",
      "Error ratio (5xx)",
      "p95 latency at Traefik",
      "Role per member (1 = primary)",
      "Replication lag",
      "Newest backup age",
      "Requests/s at Traefik by status",
    ]) {
      expect(titles).toContain(want);
    }
  });
});

describe.skipIf(!schemasPresent)(
  "Grafana and Loki files against ../shared/schemas (skipped where the folder is absent)",
  () => {
    it.each(Object.keys(DASHBOARDS))("grafana-dashboard-5.x.json accepts %s", (file) => {
      expect(validatorFor("grafana-dashboard-5.x.json")(JSON.parse(committed(file)))).toEqual([]);
    });

    it("loki.json accepts grafana/loki.yml, and rejects a misspelt key", () => {
      const loki = parse(readFileSync(join(REPO_ROOT, "grafana/loki.yml"), "utf8"));
      expect(validatorFor("loki.json")(loki)).toEqual([]);
      expect(validatorFor("loki.json")({ ...loki, limit_config: {} }).length).toBeGreaterThan(0);
    });
  },
);

describe("official-set files that cannot run here, checked statically", () => {
  const loki = parse(readFileSync(join(REPO_ROOT, "grafana/loki.yml"), "utf8"));
  const alloy = readFileSync(join(REPO_ROOT, "grafana/config.alloy"), "utf8");

  it("Loki: schema v13 on TSDB, filesystem storage, retention applied by the compactor", () => {
    const schema = loki.schema_config.configs.at(-1);
    expect(schema).toMatchObject({ store: "tsdb", schema: "v13", object_store: "filesystem" });
    expect(schema.index.period).toBe("24h");
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.limits_config.retention_period).toBe("${LOKI_RETENTION:-7d}");
    expect(loki.common.storage.filesystem).toBeDefined();
  });

  it("Alloy: balanced blocks, every referenced component defined, the five labels set", () => {
    const code = alloy.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/.*$/gm, "");
    expect((code.match(/\{/g) ?? []).length).toBe((code.match(/\}/g) ?? []).length);
    const defined = new Set(
      [...alloy.matchAll(/^([a-z_.]+) "([a-z_]+)" \{/gm)].map((m) => `${m[1]}.${m[2]}`),
    );
    expect(defined).toEqual(
      new Set([
        "discovery.docker.containers",
        "discovery.relabel.containers",
        "loki.source.docker.containers",
        "loki.write.lab",
      ]),
    );
    const refs = [
      ...code.matchAll(/=\s*\[?((?:discovery|loki)\.[a-z_.]+)\.(targets|rules|receiver)/g),
    ];
    expect(refs.length).toBe(4);
    for (const [, component] of refs) expect(defined, component).toContain(component);
    const labels = [...alloy.matchAll(/target_label\s*=\s*"(\w+)"/g)].map((m) => m[1]);
    expect(labels.sort()).toEqual(["node", "service", "stack", "stream", "task"]);
    expect(alloy).toMatch(/url = "http:\/\/loki:3100\/loki\/api\/v1\/push"/);
  });

  it("Grafana: provisioned dashboards are read-only and every dashboard file is mounted", () => {
    const provider = parse(
      readFileSync(join(REPO_ROOT, "grafana/provisioning/dashboards/lab.yml"), "utf8"),
    ).providers[0];
    expect(provider.allowUiUpdates).toBe(false);
    const stack = readFileSync(join(REPO_ROOT, "compose/observability.official.yml"), "utf8");
    for (const file of Object.keys(DASHBOARDS)) {
      expect(stack).toContain(`grafana/dashboards/${file}`);
      expect(stack).toContain(`${provider.options.path}/${file}`);
    }
  });
});
