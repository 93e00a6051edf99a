/** Pure: the engine's raw nodes, services and tasks -> what `lab:watch` shows of them. */
import type { WatchNode, WatchService } from "./model.js";

export interface RawSwarmNode {
  ID: string;
  Description: { Hostname: string };
  Status: { State: string };
  Spec: { Role: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}
export interface RawService {
  ID: string;
  Spec: { Name: string; Mode: { Replicated?: { Replicas?: number }; Global?: object } };
}
export interface RawTask {
  ServiceID: string;
  NodeID: string;
  Slot?: number;
  DesiredState: string;
  Status: { State: string; Timestamp?: string; Err?: string };
}

/** A lab node as its driver sees it (running or not) joined with Swarm's view of it. */
export function watchNodes(
  labNodes: Array<{ name: string; running: boolean }>,
  swarm: RawSwarmNode[],
): WatchNode[] {
  return labNodes.map((n) => {
    const s =
      swarm.find((x) => x.Description.Hostname === n.name && x.Status.State === "ready") ??
      swarm.find((x) => x.Description.Hostname === n.name);
    return {
      name: n.name,
      running: n.running,
      swarm: s?.Status.State ?? "absent",
      role: s ? `${s.Spec.Role}${s.ManagerStatus?.Leader ? " (leader)" : ""}` : "-",
    };
  });
}

const FAILED = new Set(["failed", "rejected", "orphaned"]);
const PENDING = new Set([
  "new",
  "pending",
  "assigned",
  "accepted",
  "preparing",
  "ready",
  "starting",
]);

/**
 * Per service: running/desired, running tasks per node, and trouble: tasks that should run and
 * are not running yet, and tasks that failed within `recentS` seconds of `now` (a restart loop).
 */
export function watchServices(
  services: RawService[],
  tasks: RawTask[],
  nodes: RawSwarmNode[],
  now: number,
  recentS = 60,
): WatchService[] {
  const host = new Map(nodes.map((n) => [n.ID, n.Description.Hostname]));
  const ready = nodes.filter((n) => n.Status.State === "ready").length;
  return services.map((svc) => {
    const mine = tasks.filter((t) => t.ServiceID === svc.ID);
    const running = mine.filter(
      (t) => t.DesiredState === "running" && t.Status.State === "running",
    );
    const perNode: Record<string, number> = {};
    for (const t of running) {
      const name = host.get(t.NodeID) ?? t.NodeID.slice(0, 8);
      perNode[name] = (perNode[name] ?? 0) + 1;
    }
    const trouble = mine
      .filter((t) => t.DesiredState === "running" && PENDING.has(t.Status.State))
      .map((t) =>
        `task ${t.Slot ?? ""} ${t.Status.State} on ${host.get(t.NodeID) ?? "?"}`.replace("  ", " "),
      );
    const failed = mine.filter(
      (t) =>
        FAILED.has(t.Status.State) &&
        t.Status.Timestamp !== undefined &&
        now - Date.parse(t.Status.Timestamp) < recentS * 1000,
    );
    if (failed.length)
      trouble.push(
        `${failed.length} failed in ${recentS} s (${(failed.at(-1)?.Status.Err ?? "").slice(0, 60)})`,
      );
    return {
      name: svc.Spec.Name.replace(/^[^_]+_/, ""),
      running: running.length,
      desired: svc.Spec.Mode.Global ? ready : (svc.Spec.Mode.Replicated?.Replicas ?? 0),
      perNode,
      trouble,
    };
  });
}
