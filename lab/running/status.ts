/** What `status` reports, as data. */
import { patroniCluster } from "../database/patroni.js";
import type { ImageSet } from "../images/plan.js";
import { type LabUrls, labUrls } from "../plan/urls.js";
import type { RunningLab } from "./lab.js";

export interface LabStatus {
  lab: string;
  nodes: Array<{
    name: string;
    container: string;
    swarm: string;
    role: string;
    availability: string;
  }>;
  services: Array<{ name: string; running: number; desired: number; nodes: string[] }>;
  health: { url: string; status: number | null; body: string };
  database: Array<{
    name: string;
    role: string;
    state: string;
    lagBytes: number | null;
    timeline: number | null;
    node: string;
  }>;
  urls: LabUrls;
}

interface SwarmNode {
  Description: { Hostname: string };
  Status: { State: string };
  Spec: { Role: string; Availability: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
  ID: string;
}

/** Which image set's observability services run (VictoriaLogs offline, Grafana official). */
function observabilitySet(services: string[]): ImageSet | undefined {
  if (services.some((n) => n.endsWith("_victorialogs"))) return "offline";
  if (services.some((n) => n.endsWith("_grafana"))) return "official";
  return undefined;
}

export async function collectStatus(lab: RunningLab): Promise<LabStatus> {
  const engine = lab.manager();
  const swarmNodes = (await engine.swarm.nodes()) as SwarmNode[];
  const byId = new Map(swarmNodes.map((n) => [n.ID, n.Description.Hostname]));
  const nodes = lab.nodes.map((n) => {
    const sn =
      swarmNodes.find((s) => s.Description.Hostname === n.name && s.Status.State === "ready") ??
      swarmNodes.find((s) => s.Description.Hostname === n.name);
    return {
      name: n.name,
      container: n.running ? "running" : "stopped",
      swarm: sn?.Status.State ?? "absent",
      role: sn ? `${sn.Spec.Role}${sn.ManagerStatus?.Leader ? " (leader)" : ""}` : "-",
      availability: sn?.Spec.Availability ?? "-",
    };
  });
  const services = [];
  for (const svc of (await engine.services.list({
    label: [`com.docker.stack.namespace=${lab.config.name}`],
  })) as Array<{
    Spec: { Name: string; Mode: { Replicated?: { Replicas?: number }; Global?: object } };
  }>) {
    const tasks = (await engine.services.tasks({
      service: [svc.Spec.Name],
      "desired-state": ["running"],
    })) as Array<{
      Status: { State: string };
      NodeID: string;
    }>;
    const running = tasks.filter((t) => t.Status.State === "running");
    services.push({
      name: svc.Spec.Name,
      running: running.length,
      desired: svc.Spec.Mode.Global
        ? nodes.filter((n) => n.swarm === "ready").length
        : (svc.Spec.Mode.Replicated?.Replicas ?? 0),
      nodes: [...new Set(running.map((t) => byId.get(t.NodeID) ?? t.NodeID))].sort(),
    });
  }
  const url = lab.url("app", "/health/ready");
  let health: LabStatus["health"];
  try {
    const res = await lab.http.send("GET", url, { timeoutMs: 5000 });
    health = { url, status: res.status, body: res.body.slice(0, 200) };
  } catch (err) {
    health = { url, status: null, body: (err as Error).message };
  }
  const database = await patroniCluster(lab)
    .then((members) =>
      members.map(({ name, role, state, lag, timeline, node }) => ({
        name,
        role,
        state,
        lagBytes: lag,
        timeline,
        node,
      })),
    )
    .catch((err) => [
      {
        name: "-",
        role: "unknown",
        state: (err as Error).message,
        lagBytes: null,
        timeline: null,
        node: "-",
      },
    ]);
  return {
    lab: lab.config.name,
    nodes,
    services: services.sort((a, b) => a.name.localeCompare(b.name)),
    health,
    database,
    urls: labUrls(lab.config, observabilitySet(services.map((v) => v.name))),
  };
}
