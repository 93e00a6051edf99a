/** Node 1 initialises the swarm; the others join as managers; nodes get their placement labels. */

import type { Engine } from "../runtime/docker.js";
import { need, type Step } from "./context.js";

async function swarmState(engine: Engine): Promise<string> {
  return (await engine.info()).Swarm?.LocalNodeState ?? "inactive";
}

export const formSwarm: Step = {
  title: "Forming the swarm",
  async run(ctx, report) {
    const nodes = need(ctx.nodes, "nodes");
    const [first, ...others] = nodes;
    if (!first) throw new Error("no node to form a swarm");
    const leader = ctx.driver.engine(first);
    if ((await swarmState(leader)) !== "active") {
      await leader.swarm.init(first.address);
    }
    const token = await leader.swarm.managerToken();
    await Promise.all(
      others.map(async (node) => {
        const engine = ctx.driver.engine(node);
        if ((await swarmState(engine)) === "active") return;
        await engine.swarm.join(node.address, first.address, token);
      }),
    );
    const specs = need(ctx.plan, "plan").nodes;
    const swarmNodes = (await leader.swarm.nodes()) as Array<{
      ID: string;
      Version: { Index: number };
      Spec: Record<string, unknown> & { Labels?: Record<string, string> };
      Description: { Hostname: string };
      Status: { State: string };
    }>;
    for (const sn of swarmNodes) {
      // A node is its engine's host name (a container's, or a host's whatever the inventory calls it).
      const node = nodes.find((n) => n.name === sn.Description.Hostname);
      const spec = specs.find((s) => s.index === node?.index);
      if (!spec || sn.Status.State !== "ready") continue;
      const labels = { ...(sn.Spec.Labels ?? {}), ...spec.swarmLabels };
      await leader.swarm.updateNode(sn.ID, sn.Version.Index, { ...sn.Spec, Labels: labels });
    }
    report(`${nodes.length} managers`);
  },
};
