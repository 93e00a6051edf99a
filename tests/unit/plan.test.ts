import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OFFICIAL } from "../../lab/images/official.js";
import { planImages } from "../../lab/images/plan.js";
import { renderEdgeConfig } from "../../lab/plan/edge.js";
import { placements, planNetwork, planNodes } from "../../lab/plan/nodes.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { config } from "../support/config.js";
import { has } from "../support/tools.js";

describe("planNodes", () => {
  it.each([
    [
      1,
      ["lab-node-1"],
      { "lab.pg1": 1, "lab.pg2": 1, "lab.etcd1": 1, "lab.etcd2": 1, "lab.etcd3": 1 },
    ],
    [
      2,
      ["lab-node-1", "lab-node-2"],
      { "lab.pg1": 1, "lab.pg2": 2, "lab.etcd1": 1, "lab.etcd2": 2, "lab.etcd3": 2 },
    ],
    [
      3,
      ["lab-node-1", "lab-node-2", "lab-node-3"],
      { "lab.pg1": 2, "lab.pg2": 3, "lab.etcd1": 1, "lab.etcd2": 2, "lab.etcd3": 3 },
    ],
    [
      5,
      ["lab-node-1", "lab-node-2", "lab-node-3", "lab-node-4", "lab-node-5"],
      { "lab.pg1": 2, "lab.pg2": 3, "lab.etcd3": 3 },
    ],
  ])("%i nodes: names, and where each pinned service goes", (n, names, where) => {
    const nodes = planNodes(config({ nodes: n }), "img");
    expect(nodes.map((x) => x.name)).toEqual(names);
    for (const [label, index] of Object.entries(where)) {
      expect(
        nodes.filter((x) => x.swarmLabels[label] === "true").map((x) => x.index),
        label,
      ).toEqual([index]);
    }
    for (const node of nodes) {
      expect(node.labels).toMatchObject({
        "lab.name": "lab",
        "lab.kind": "node",
        "lab.index": String(node.index),
      });
      expect(node.volume).toBe(`${node.name}-docker`);
    }
  });

  it("with three nodes or more, the two database members never share a node", () => {
    for (const n of [3, 4, 5]) {
      const where = placements(n);
      expect(where["lab.pg1"]).not.toBe(where["lab.pg2"]);
      expect(new Set([where["lab.etcd1"], where["lab.etcd2"], where["lab.etcd3"]]).size).toBe(3);
    }
  });

  it("prefixes everything with the lab name", () => {
    const c = config({ name: "demo", nodes: 1 });
    expect(planNodes(c, "img")[0]?.name).toBe("demo-node-1");
    expect(planNetwork(c)).toEqual({
      name: "demo-net",
      labels: { "lab.name": "demo", "lab.kind": "network" },
    });
  });
});

describe("planImages", () => {
  it("offline builds everything locally, nothing is pulled", () => {
    const images = planImages("offline");
    expect(images.filter((i) => i.source.kind === "pull")).toEqual([]);
    expect(images.find((i) => i.key === "traefik")?.source).toMatchObject({
      prepare: "traefik-binary",
    });
    for (const i of images)
      if (i.source.kind === "build") expect(i.source.args).not.toContain(OFFICIAL.debian);
  });

  it("official pulls the pinned upstream images, the observability plane included", () => {
    const images = planImages("official");
    expect(
      images
        .filter((i) => i.source.kind === "pull")
        .map((i) => i.ref)
        .sort(),
    ).toEqual(
      [
        OFFICIAL.prometheus,
        OFFICIAL.traefik,
        OFFICIAL.grafana,
        OFFICIAL.loki,
        OFFICIAL.alloy,
        OFFICIAL.cadvisor,
        OFFICIAL.nodeExporter,
        OFFICIAL.alertmanager,
      ].sort(),
    );
    // Pinned: a tag on every reference, never "latest".
    for (const ref of Object.values(OFFICIAL)) expect(ref, ref).toMatch(/:(?!latest$)[\w.-]+$/);
  });

  it("every lab-built image has its Dockerfile, shared by both sets", () => {
    for (const set of ["official", "offline"] as const) {
      for (const i of planImages(set)) {
        if (i.source.kind === "build")
          expect(existsSync(join(REPO_ROOT, i.source.context, "Dockerfile")), i.ref).toBe(true);
      }
    }
    // The offline set builds its own stand-ins for what the official set pulls.
    const standIns = [
      "traefik",
      "prometheus",
      "node-exporter",
      "alertmanager",
      "victorialogs",
      "logship",
    ];
    const ctx = (set: "official" | "offline") =>
      planImages(set).flatMap((i) =>
        i.source.kind === "build" && !standIns.includes(i.key) ? [i.source.context] : [],
      );
    expect(ctx("official")).toEqual(ctx("offline"));
  });

  it("only stack images travel to the nodes", () => {
    expect(
      planImages("offline")
        .filter((i) => i.inStack)
        .map((i) => i.key)
        .sort(),
    ).toEqual([
      "alert-receiver",
      "alertmanager",
      "app",
      "docker-proxy",
      "etcd",
      "logship",
      "node-exporter",
      "postgres",
      "postgres-exporter",
      "prometheus",
      "traefik",
      "victorialogs",
    ]);
  });
});

describe("renderEdgeConfig", () => {
  const nodes = [
    { name: "lab-node-1", address: "lab-node-1" },
    { name: "lab-node-2", address: "lab-node-2" },
  ];
  const cfg = renderEdgeConfig(nodes, "lab.localhost");

  it("sends both ports to every node, re-resolving their names", () => {
    expect(cfg.match(/server lab-node-\d lab-node-\d:443 /g)).toHaveLength(2);
    expect(cfg.match(/server lab-node-\d lab-node-\d:80/g)).toHaveLength(2);
    expect(cfg).toMatch(/resolvers docker/);
    expect(cfg).toMatch(/init-addr last,libc,none/);
  });

  it("sends HTTPS to a node only while its Traefik reaches a ready app task, else to any live one", () => {
    expect(cfg).toContain(
      "http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host app.lab.localhost",
    );
    expect(
      cfg.match(
        /server lab-node-\d lab-node-\d:443 check-ssl verify none check-sni app\.lab\.localhost/g,
      ),
    ).toHaveLength(2);
    expect(
      cfg.match(
        /server lab-node-\d-any lab-node-\d:443 backup check port 80 no-check-ssl resolve-opts allow-dup-ip/g,
      ),
    ).toHaveLength(2);
  });

  it.skipIf(!has("haproxy"))("is a configuration HAProxy accepts (haproxy -c)", () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-"));
    const path = join(dir, "haproxy.cfg");
    writeFileSync(path, cfg);
    try {
      const out = execFileSync("haproxy", ["-c", "-f", path], { encoding: "utf8", stdio: "pipe" });
      expect(out).toMatch(/Configuration file is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("contentRef", () => {
  it("names the content, so a rebuilt image changes the service spec", async () => {
    const { contentRef } = await import("../../lab/images/build.js");
    expect(contentRef("swarm-lab/app:offline", "sha256:0123456789abcdef0123")).toBe(
      "swarm-lab/app:offline-0123456789ab",
    );
    expect(contentRef("swarm-lab/app:offline", "sha256:ffff456789abcdef0123")).not.toBe(
      contentRef("swarm-lab/app:offline", "sha256:0123456789abcdef0123"),
    );
  });
});
