import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateConfig } from "../../lab/config/validate.js";
import { planImages } from "../../lab/images/plan.js";
import {
  expectedServices,
  interpolate,
  renderStack,
  StackTemplateError,
} from "../../lab/plan/stack.js";
import { stackVars } from "../../lab/plan/vars.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { stackOverlay } from "../../lab/steps/facts.js";

const template = readFileSync(join(REPO_ROOT, "compose/lab.yml"), "utf8");
const overlay = (set: "official" | "offline") => readFileSync(stackOverlay(set), "utf8");
const fakeFiles = (file: string) => ({
  path: `/abs/${file}`,
  hash: `h${file.length}`.padEnd(12, "0"),
});

function render(input: unknown = {}, set: "official" | "offline" = "offline") {
  const r = validateConfig(input);
  if (!r.ok) throw new Error(r.errors.join("; "));
  return renderStack(
    [template, overlay(set)],
    r.config.name,
    stackVars(r.config, planImages(set), "/state"),
    fakeFiles,
  ) as {
    services: Record<string, any>;
    secrets: Record<string, { name: string; file: string }>;
    configs: Record<string, { name: string; file: string }>;
  };
}

describe("interpolate", () => {
  it("keeps the type of a whole-value placeholder and fills embedded ones", () => {
    const missing = new Set<string>();
    expect(interpolate({ a: "${N}", b: ["x-${S}-y"] }, { N: 3, S: "s" }, missing)).toEqual({
      a: 3,
      b: ["x-s-y"],
    });
    expect(missing.size).toBe(0);
  });

  it("collects unknown names", () => {
    const missing = new Set<string>();
    interpolate(["${A}", "${B}x"], {}, missing);
    expect([...missing].sort()).toEqual(["A", "B"]);
  });
});

describe("renderStack", () => {
  it("routes every service by a name under the configured domain", () => {
    const s = render({ domain: "demo.localhost" });
    expect(s.services.app.deploy.labels["traefik.http.routers.app.rule"]).toBe(
      "Host(`app.demo.localhost`)",
    );
    expect(s.services.traefik.deploy.labels["traefik.http.routers.dashboard.rule"]).toBe(
      "Host(`traefik.demo.localhost`)",
    );
    expect(s.services.prometheus.command).toContain(
      "--web.external-url=https://prometheus.demo.localhost/",
    );
  });

  it("sets replicas as a number and uses dnsrr for services reached by name", () => {
    const s = render({ app: { replicas: 5 } });
    expect(s.services.app.deploy.replicas).toBe(5);
    for (const name of ["app", "pg1", "pg2", "etcd1", "etcd2", "etcd3", "prometheus"]) {
      expect(s.services[name].deploy.endpoint_mode, name).toBe("dnsrr");
    }
  });

  it("publishes Traefik in host mode on the managers only, and nothing else publishes", () => {
    const s = render();
    expect(
      s.services.traefik.ports.map((p: { mode: string; published: number }) => [
        p.mode,
        p.published,
      ]),
    ).toEqual([
      ["host", 443],
      ["host", 80],
    ]);
    expect(s.services.traefik.deploy.placement.constraints).toEqual(["node.role == manager"]);
    for (const name of Object.keys(s.services).filter((n) => n !== "traefik")) {
      expect(s.services[name].ports, name).toBeUndefined();
    }
  });

  it("names secrets and configs after their content, and gives absolute files", () => {
    const s = render();
    expect(s.secrets.tls_cert).toEqual({
      file: "/abs//state/tls/lab.crt",
      name: expect.stringMatching(/^lab_tls_cert_h/),
    });
    expect(s.configs.traefik_static?.file).toBe("/abs/traefik/traefik.yml");
    expect(Object.keys(s)).not.toContain("x-rollout");
  });

  it("runs two Patroni members with their own volume and node, synchronous by default", () => {
    const s = render();
    expect(s.services.pg1.environment.PATRONI_NAME).toBe("pg1");
    expect(s.services.pg2.environment.PATRONI_NAME).toBe("pg2");
    // Each member knows both, to ask whichever is primary for a write (entrypoint.sh).
    expect(s.services.pg1.environment.PG_MEMBERS).toBe("pg1,pg2");
    expect(s.services.pg2.environment.PG_MEMBERS).toBe("pg1,pg2");
    expect(s.services.pg1.volumes[0].source).toBe("pg1data");
    expect(s.services.pg2.volumes[0].source).toBe("pg2data");
    expect(s.services.pg2.deploy.placement.constraints).toEqual(["node.labels.lab.pg2 == true"]);
    expect(s.services.pg1.environment.PG_SYNCHRONOUS_MODE).toBe("true");
    expect(
      render({ database: { synchronous: false } }).services.pg1.environment.PG_SYNCHRONOUS_MODE,
    ).toBe("false");
    expect(s.services.app.environment.APP_DB_HOSTS).toBe("pg1,pg2");
  });

  it("rolls the app start-first so a replica is always serving", () => {
    const s = render();
    expect(s.services.app.deploy.update_config.order).toBe("start-first");
    expect(
      s.services.app.deploy.labels["traefik.http.services.app.loadbalancer.healthcheck.path"],
    ).toBe("/health/ready");
  });

  it("uses the image set's references", () => {
    expect(render({}, "offline").services.traefik.image).toBe("swarm-lab/traefik:offline");
    expect(render({}, "official").services.traefik.image).toMatch(/^traefik:v3\./);
  });

  it("refuses a template with an unknown value", () => {
    expect(() =>
      renderStack("services: { a: { image: '${NOPE}' } }", "lab", {}, fakeFiles),
    ).toThrow(StackTemplateError);
  });

  it("expects one Traefik per node and the configured app replicas", () => {
    const s = render({ app: { replicas: 2 } });
    expect(expectedServices(s, 3)).toEqual(
      expect.arrayContaining([
        { name: "traefik", replicas: 3 },
        { name: "app", replicas: 2 },
        { name: "pg1", replicas: 1 },
        { name: "pg2", replicas: 1 },
        { name: "etcd3", replicas: 1 },
      ]),
    );
  });

  it.each([
    [
      "offline",
      ["victorialogs", "logship", "node-exporter", "pg1-exporter"],
      ["grafana", "loki", "alloy", "cadvisor"],
    ],
    [
      "official",
      ["grafana", "loki", "alloy", "cadvisor", "node-exporter", "pg2-exporter"],
      ["victorialogs", "logship"],
    ],
  ] as const)("the %s set runs its own observability services", (set, present, absent) => {
    const s = render({}, set);
    for (const name of present) expect(s.services[name], name).toBeDefined();
    for (const name of absent) expect(s.services[name], name).toBeUndefined();
  });

  it("runs one log shipper and one node exporter per node, labelled with the node", () => {
    const s = render({}, "offline");
    expect(s.services.logship.deploy.mode).toBe("global");
    expect(s.services["node-exporter"].deploy.mode).toBe("global");
    expect(s.services.logship.environment.LOGSHIP_NODE).toBe("{{.Node.Hostname}}");
    expect(expectedServices(s, 3)).toEqual(
      expect.arrayContaining([{ name: "logship", replicas: 3 }]),
    );
    const official = render({}, "official");
    expect(official.services.alloy.deploy.mode).toBe("global");
    expect(official.services.alloy.environment.LAB_NODE).toBe("{{.Node.Hostname}}");
  });

  it("carries the configured retention and size caps to every store", () => {
    const cfg = {
      observability: {
        logs: { retention: "3d", maxSizeMiB: 512 },
        metrics: { retention: "14d", maxSizeMiB: 4096 },
      },
    };
    const offline = render(cfg, "offline");
    expect(offline.services.victorialogs.command).toEqual(
      expect.arrayContaining(["-retentionPeriod=3d", "-retention.maxDiskSpaceUsageBytes=512MiB"]),
    );
    expect(offline.services.prometheus.command).toEqual(
      expect.arrayContaining([
        "--storage.tsdb.retention.time=14d",
        "--storage.tsdb.retention.size=4096MB",
      ]),
    );
    expect(render(cfg, "official").services.loki.environment.LOKI_RETENTION).toBe("3d");
  });

  it("keeps Grafana's admin password in a Docker secret and anonymous access off", () => {
    const g = render({ ports: { https: 8443 } }, "official").services.grafana;
    expect(g.environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(
      "/run/secrets/grafana_admin_password",
    );
    expect(g.environment.GF_AUTH_ANONYMOUS_ENABLED).toBe("false");
    expect(g.environment.GF_SERVER_ROOT_URL).toBe("https://grafana.lab.localhost:8443/");
    expect(JSON.stringify(g.environment)).not.toMatch(/PASSWORD":/);
  });

  it.each(["offline", "official"] as const)(
    "in the %s set only the Docker API proxies bind a node's engine socket",
    (set) => {
      const s = render({}, set);
      const binds = (svc: any) =>
        (svc.volumes ?? []).filter((v: any) => typeof v === "object" && v.type === "bind");
      const socketHolders = Object.entries(s.services)
        .filter(([, svc]) => binds(svc).some((v: any) => /docker\.sock$/.test(v.source)))
        .map(([name]) => name)
        .sort();
      const proxies =
        set === "official"
          ? ["docker-actions", "docker-node", "docker-ro"]
          : ["docker-actions", "docker-ro"];
      expect(socketHolders).toEqual(proxies);
      for (const [name, svc] of Object.entries(s.services)) {
        const mounts = svc.volumes ?? [];
        // The socket's directory bound whole would hand it over just the same.
        expect(
          binds(svc).map((v: any) => v.source),
          name,
        ).not.toContain("/var/run");
        expect(
          binds(svc).map((v: any) => v.source),
          name,
        ).not.toContain("/run");
        const root = binds(svc).find((v: any) => v.source === "/");
        if (root) {
          expect(mounts, `${name} hides the node's /run under ${root.target}`).toContainEqual(
            expect.objectContaining({ type: "tmpfs", target: `${root.target}/run` }),
          );
        }
      }
    },
  );

  it("gives the official set's log agent and cAdvisor the node proxy's socket, not the engine's", () => {
    const s = render({}, "official");
    const alloy = readFileSync(join(REPO_ROOT, "grafana/config.alloy"), "utf8");
    expect([...alloy.matchAll(/host\s*=\s*"([^"]+)"/g)].map((m) => m[1])).toEqual([
      "unix:///run/docker-node/docker.sock",
      "unix:///run/docker-node/docker.sock",
    ]);
    expect(s.services.cadvisor.command).toContain("--docker=unix:///run/docker-node/docker.sock");
    for (const name of ["alloy", "cadvisor"]) {
      expect(s.services[name].volumes, name).toContainEqual(
        expect.objectContaining({
          source: "dockernode",
          target: "/run/docker-node",
          read_only: true,
        }),
      );
    }
    expect(s.services["docker-node"].deploy.mode).toBe("global");
    expect(s.services["docker-node"].entrypoint).toContain("/etc/haproxy/nodelogs.cfg");
  });

  it("restarts a cAdvisor that lost its engine: unhealthy when its metrics name no Swarm service", () => {
    const hc = render({}, "official").services.cadvisor.healthcheck;
    const test = [hc?.test ?? []].flat().join(" ");
    expect(test).toMatch(/\/metrics\b/);
    // the label cAdvisor adds only for containers it reads from the engine (its allow-list flag)
    expect(test).toContain("container_label_com_docker_swarm_service_name");
    expect(render({}, "official").services.cadvisor.command).toContain(
      "--whitelisted_container_labels=com.docker.swarm.service.name,com.docker.swarm.task.name,com.docker.stack.namespace",
    );
  });

  it("scrapes cAdvisor at scrape time (its own sample timestamps ignored), and only in its own job (Alertmanager too: it asks for a user)", () => {
    const prom = parse(readFileSync(join(REPO_ROOT, "prometheus/prometheus.yml"), "utf8")) as {
      scrape_configs: {
        job_name: string;
        honor_timestamps?: boolean;
        relabel_configs?: { regex?: string; action?: string }[];
      }[];
    };
    const jobs = Object.fromEntries(prom.scrape_configs.map((j) => [j.job_name, j]));
    expect(jobs.cadvisor?.honor_timestamps).toBe(false);
    expect(jobs.cadvisor?.relabel_configs?.[0]).toMatchObject({
      action: "keep",
      regex: expect.stringContaining("cadvisor"),
    });
    expect(jobs["swarm-services"]?.relabel_configs).toContainEqual(
      expect.objectContaining({ regex: "cadvisor|alertmanager", action: "drop" }),
    );
    expect(render({}, "official").services.cadvisor.deploy.labels["prometheus.job"]).toBe(
      "cadvisor",
    );
  });

  it("refuses templates that define the same service twice", () => {
    expect(() =>
      renderStack(
        ["services: { a: { image: x } }", "services: { a: { image: y } }"],
        "lab",
        {},
        fakeFiles,
      ),
    ).toThrow(/services defined twice.*a/);
  });
});
