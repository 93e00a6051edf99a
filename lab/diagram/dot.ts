/**
 * Pure: the rendered stack and the planned nodes -> a Graphviz diagram of the lab: each node
 * with the services Swarm pins to it, the services it spreads, networks, volumes, the published
 * entry point and the backup path. Drawn from the same plan `up` deploys, so it cannot go stale.
 */
import type { NodeSpec } from "../plan/nodes.js";

interface Service {
  deploy?: {
    mode?: string;
    replicas?: number;
    placement?: { constraints?: string[] };
  };
  networks?: string[];
  ports?: Array<{ published: number; target: number; mode?: string }>;
  volumes?: Array<{ type: string; source: string; target: string }>;
}

export interface StackDoc {
  services?: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
}

const q = (s: string) => JSON.stringify(s);
export const serviceId = (name: string) => `svc_${name.replace(/\W/g, "_")}`;
export const networkId = (name: string) => `net_${name.replace(/\W/g, "_")}`;
const volumeId = (name: string) => `vol_${name.replace(/\W/g, "_")}`;

/** Which node a service is pinned to (node.labels.lab.X == true), or undefined. */
function pinnedNode(svc: Service, nodes: NodeSpec[]): NodeSpec | undefined {
  for (const c of svc.deploy?.placement?.constraints ?? []) {
    const m = /^node\.labels\.([\w.-]+)\s*==\s*true$/.exec(c);
    if (m?.[1]) return nodes.find((n) => n.swarmLabels[m[1] as string] === "true");
  }
  return undefined;
}

function label(name: string, svc: Service): string {
  const mode =
    svc.deploy?.mode === "global"
      ? "one per node"
      : (svc.deploy?.replicas ?? 1) > 1
        ? `${svc.deploy?.replicas} replicas`
        : "";
  return mode ? `${name}\n(${mode})` : name;
}

export function stackDiagram(doc: StackDoc, nodes: NodeSpec[], title: string): string {
  const services = doc.services ?? {};
  const lines = [
    "digraph lab {",
    `  label=${q(title)}; labelloc=t; fontname="Helvetica"; fontsize=16;`,
    "  rankdir=LR; compound=true; newrank=true;",
    '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", fillcolor="#eef3fb"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#777777"];',
    `  entry [label=${q("host 127.0.0.1 :443 / :80\nlab-edge (HAProxy, health-checks every node)")}, shape=box, fillcolor="#fff3cd"];`,
  ];
  const global = Object.entries(services).filter(([, s]) => s.deploy?.mode === "global");
  const spread = Object.entries(services).filter(
    ([, s]) => s.deploy?.mode !== "global" && !pinnedNode(s, nodes),
  );
  for (const node of nodes) {
    lines.push(`  subgraph cluster_${node.index} {`);
    lines.push(`    label=${q(`${node.name} (Swarm manager)`)}; style="rounded"; color="#4a6fa5";`);
    for (const [name] of global) {
      lines.push(
        `    ${serviceId(`${name}@${node.index}`)} [label=${q(name)}, fillcolor="#e3f0e3"];`,
      );
    }
    for (const [name, svc] of Object.entries(services)) {
      if (pinnedNode(svc, nodes)?.name === node.name) {
        lines.push(`    ${serviceId(name)} [label=${q(label(name, svc))}];`);
        for (const v of svc.volumes ?? []) {
          // A host volume the node mounts (the backup repository) outlives the node.
          const kept = node.kept.find((k) => v.type === "bind" && k.path === v.source);
          if (v.type !== "volume" && !kept) continue;
          const id = volumeId(kept?.name ?? v.source);
          const text = kept ? `host volume ${kept.name}\n(kept by lab:down)` : `volume ${v.source}`;
          lines.push(`    ${id} [label=${q(text)}, shape=cylinder, fillcolor="#fdf2e9"];`);
          lines.push(`    ${serviceId(name)} -> ${id} [arrowhead=none];`);
        }
      }
    }
    lines.push("  }");
  }
  lines.push("  subgraph cluster_spread {");
  lines.push(
    '    label="placed by Swarm (spread over the nodes)"; style="dashed"; color="#888888";',
  );
  for (const [name, svc] of spread)
    lines.push(`    ${serviceId(name)} [label=${q(label(name, svc))}];`);
  lines.push("  }");
  for (const net of Object.keys(doc.networks ?? {})) {
    lines.push(
      `  ${networkId(net)} [label=${q(`overlay "${net}"`)}, shape=ellipse, fillcolor="#f5f5f5"];`,
    );
  }
  for (const [name, svc] of Object.entries(services)) {
    const ids =
      svc.deploy?.mode === "global"
        ? nodes.map((n) => serviceId(`${name}@${n.index}`))
        : [serviceId(name)];
    // One edge per service and network (from its first instance): enough to read, not a hairball.
    const from = ids[0] as string;
    for (const net of svc.networks ?? []) {
      lines.push(`  ${from} -> ${networkId(net)} [arrowhead=none, style=dotted, color="#aaaaaa"];`);
    }
    const ports = (svc.ports ?? []).map((p) => `:${p.published}`).join(" ");
    const mode = svc.ports?.[0]?.mode ?? "ingress";
    if (ports)
      for (const id of ids) lines.push(`  entry -> ${id} [label=${q(`${ports} (${mode})`)}];`);
  }
  if (services.backup) {
    for (const member of ["pg1", "pg2"].filter((m) => services[m])) {
      lines.push(
        `  ${serviceId(member)} -> ${serviceId("backup")} [label="WAL (archive-push, TLS)", color="#b35900"];`,
      );
    }
    lines.push(
      `  ${serviceId("backup")} -> ${serviceId("pg1")} [label="backups, restore (TLS)", color="#b35900", style=dashed];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** Pure: the services and networks of the stack that the diagram does not show (a check). */
export function missingFromDiagram(doc: StackDoc, dot: string): string[] {
  const ids = new Set([...dot.matchAll(/\b(svc_\w+|net_\w+)\b/g)].map((m) => m[1]));
  const missing: string[] = [];
  for (const [name, svc] of Object.entries(doc.services ?? {})) {
    const id = svc.deploy?.mode === "global" ? serviceId(`${name}@1`) : serviceId(name);
    if (!ids.has(id)) missing.push(`service ${name}`);
  }
  for (const net of Object.keys(doc.networks ?? {})) {
    if (!ids.has(networkId(net))) missing.push(`network ${net}`);
  }
  return missing;
}
