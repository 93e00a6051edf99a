/** planLab: the one plan `up` applies, from configuration and gathered facts (no engine). */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { planLab } from "../../lab/plan/lab.js";
import { gatherFacts } from "../../lab/steps/facts.js";
import { config } from "../support/config.js";

const fakeFiles = (f: string) => ({ path: `/x/${f}`, hash: "0".repeat(12) });
const plan = (input: unknown, set: "offline" | "official" = "offline", made = {}) =>
  planLab(config(input), gatherFacts(set, "test", made, fakeFiles));

type Services = Record<string, { image?: string }>;

describe("planLab", () => {
  it.each([
    [{}, "offline", 3, "lab-node-1"],
    [{ nodes: 1, name: "solo" }, "offline", 1, "solo-node-1"],
    [{ nodes: 5, name: "big" }, "official", 5, "big-node-1"],
  ] as const)("%j (%s): %i nodes, the backups on %s", (input, set, nodes, backupNode) => {
    const p = plan(input, set);
    expect(p.nodes).toHaveLength(nodes);
    expect(p.nodes.map((n) => n.index)).toEqual(Array.from({ length: nodes }, (_, k) => k + 1));
    expect(p.imageSet).toBe(set);
    // the backups sit on the node that mounts the kept volume
    const kept = p.nodes.filter((n) => n.kept.some((k) => k.name === p.backup.volume));
    expect(kept.map((n) => n.name)).toEqual([p.backup.node]);
    expect(p.backup.node).toBe(backupNode);
    // the entry point spreads to every node
    for (const n of p.nodes) expect(p.edge.config).toContain(`server ${n.name} ${n.name}:443`);
  });

  it("names made images by their content tags, and the stack by what the registry serves", () => {
    const p = plan({ name: "demo" }, "offline", { app: "swarm-lab/app:offline-abc123" });
    const app = p.images.find((i) => i.key === "app");
    expect(app?.ref).toBe("swarm-lab/app:offline-abc123");
    expect(app?.served).toBe("demo-registry:5000/swarm-lab/app:offline-abc123");
    const services = p.stack.doc.services as Services;
    expect(services.app?.image).toBe(app?.served);
    // every image a service names is a planned, served stack image
    expect(Object.keys(services).length).toBeGreaterThan(10);
    const served = new Set(p.images.filter((i) => i.inStack).map((i) => i.served));
    for (const [name, svc] of Object.entries(services)) {
      expect(served.has(svc.image ?? ""), `${name}: ${svc.image}`).toBe(true);
    }
    // images that run on the host are not served: the nodes and the edge
    const node = p.images.find((i) => i.key === "node");
    expect(node?.served).toBe(node?.ref);
    expect(p.nodes[0]?.image).toBe(node?.ref);
  });

  it.each([
    [{}, "127.0.0.1:443/80"],
    [{ ports: { https: 8443, http: 8080 } }, "127.0.0.1:8443/8080"],
  ])("the edge of %j publishes %s", (input, label) => {
    const p = plan(input);
    expect(p.edge.portsLabel).toBe(label);
    expect(p.edge.labels["lab.ports"]).toBe(label);
  });

  it("is one object, the same for the same input, and JSON as it is (for --dry-run -o json)", () => {
    const a = plan({ name: "demo" });
    expect(plan({ name: "demo" })).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it("the official set's stack has Grafana and Loki; the offline set's, VictoriaLogs", () => {
    const names = (set: "offline" | "official") =>
      Object.keys(plan({}, set).stack.doc.services as Services);
    expect(names("official")).toEqual(expect.arrayContaining(["grafana", "loki", "alloy"]));
    expect(names("offline")).toEqual(expect.arrayContaining(["victorialogs"]));
    expect(names("offline")).not.toContain("grafana");
  });

  it("needs no Alertmanager file on disk: the plan holds it, and the stack names its content", () => {
    const facts = gatherFacts("offline", "test", {}, (f) => {
      if (f.endsWith("alertmanager.yml")) throw new Error(`ENOENT ${f}`);
      return fakeFiles(f);
    });
    const p = planLab(config({}), facts);
    expect(p.alertmanager.file).toBe(`${facts.stateDir}/alertmanager.yml`);
    const configs = p.stack.doc.configs as Record<string, { file: string; name: string }>;
    const hash = createHash("sha256").update(p.alertmanager.yaml).digest("hex").slice(0, 10);
    expect(configs.alertmanager_config).toEqual({
      file: p.alertmanager.file,
      name: `lab_alertmanager_config_${hash}`,
    });
  });
});
