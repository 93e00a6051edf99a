/** Tasks of a Swarm service, with the lab node each runs on. */
import type { Engine } from "../runtime/docker.js";

export interface TaskInfo {
  id: string;
  node: string;
  container: string;
  /** the image its spec names, without Swarm's digest */
  image: string;
  /** running, starting, preparing, ... */
  state: string;
}

/** The tasks Swarm wants running (whatever state they are in now). */
export async function serviceTasks(engine: Engine, service: string): Promise<TaskInfo[]> {
  const nodes = (await engine.swarm.nodes()) as Array<{
    ID: string;
    Description: { Hostname: string };
  }>;
  const hostname = new Map(nodes.map((n) => [n.ID, n.Description.Hostname]));
  const tasks = (await engine.services.tasks({
    service: [service],
    "desired-state": ["running"],
  })) as Array<{
    ID: string;
    NodeID: string;
    Spec: { ContainerSpec: { Image: string } };
    Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  }>;
  return tasks.map((t) => ({
    id: t.ID,
    node: hostname.get(t.NodeID) ?? t.NodeID,
    container: t.Status.ContainerStatus?.ContainerID ?? "",
    image: t.Spec.ContainerSpec.Image.replace(/@sha256:[0-9a-f]+$/, ""),
    state: t.Status.State,
  }));
}

export async function runningTasks(engine: Engine, service: string): Promise<TaskInfo[]> {
  return (await serviceTasks(engine, service)).filter((t) => t.state === "running");
}
