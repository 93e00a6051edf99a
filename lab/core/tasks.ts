/** Running tasks of a Swarm service, with the lab node each runs on. */
import type { Engine } from "../runtime/docker.js";

export interface TaskInfo {
  id: string;
  node: string;
  container: string;
}

export async function runningTasks(engine: Engine, service: string): Promise<TaskInfo[]> {
  const nodes = (await engine.listNodes()) as Array<{
    ID: string;
    Description: { Hostname: string };
  }>;
  const hostname = new Map(nodes.map((n) => [n.ID, n.Description.Hostname]));
  const tasks = (await engine.listTasks({
    filters: { service: [service], "desired-state": ["running"] },
  })) as Array<{
    ID: string;
    NodeID: string;
    Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  }>;
  return tasks
    .filter((t) => t.Status.State === "running")
    .map((t) => ({
      id: t.ID,
      node: hostname.get(t.NodeID) ?? t.NodeID,
      container: t.Status.ContainerStatus?.ContainerID ?? "",
    }));
}
