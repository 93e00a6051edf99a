import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagramOf } from "../../lab/cli/commands/diagram.js";
import { missingFromDiagram, networkId, serviceId } from "../../lab/diagram/dot.js";
import { REPO_ROOT } from "../../lab/state/paths.js";

describe("the architecture diagram", () => {
  it("docs/architecture.dot is what the plan draws today (run `npm run lab:diagram`)", () => {
    expect(readFileSync(join(REPO_ROOT, "docs/architecture.dot"), "utf8")).toBe(
      diagramOf({}, "offline").dot,
    );
  });

  it.each(["offline", "official"] as const)(
    "shows every service and network of the %s stack",
    (set) => {
      const { dot, doc } = diagramOf({}, set);
      expect(missingFromDiagram(doc, dot)).toEqual([]);
      expect(Object.keys(doc.services ?? {}).length).toBeGreaterThan(15);
    },
  );

  it("the check fails when a service or a network is left out", () => {
    const { dot, doc } = diagramOf({}, "offline");
    const without = dot
      .split("\n")
      .filter((l) => !l.includes(serviceId("victorialogs")) && !l.includes(networkId("backend")))
      .join("\n");
    expect(missingFromDiagram(doc, without)).toEqual(["service victorialogs", "network backend"]);
  });

  it("pins the database members to their nodes and draws the backup path", () => {
    const { dot } = diagramOf({ nodes: 3 }, "offline");
    const cluster = (i: number) => dot.split(`subgraph cluster_${i} {`)[1]?.split("  }")[0] ?? "";
    expect(cluster(2)).toContain(serviceId("pg1"));
    expect(cluster(3)).toContain(serviceId("pg2"));
    expect(cluster(1)).toContain(serviceId("backup"));
    expect(dot).toMatch(/svc_pg1 -> svc_backup \[label="WAL/);
  });
});
