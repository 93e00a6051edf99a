/** Node 1 initialises the swarm; the others join as managers; nodes get their placement labels. */

import type { Engine } from "../runtime/docker.js";
import { need, type Step } from "./context.js";

interface SwarmInfo {
  Swarm?: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean };
}

async function swarmState(engine: Engine): Promise<string> {
  return ((await engine.info()) as SwarmInfo).Swarm?.LocalNodeState ?? "inactive";
}

export const formSwarm: Step = {
  title: "Forming the swarm",
  async run(ctx, report) {
    const nodes = need(ctx.nodes, "nodes");
    const [first, ...others] = nodes;
    if (!first) throw new Error("no node to form a swarm");
    const leader = ctx.driver.engine(first);
    if ((await swarmState(leader)) !== "active") {
      await leader.swarmInit({ ListenAddr: "0.0.0.0:2377", AdvertiseAddr: first.address });
    }
    const token = ((await leader.swarmInspect()) as { JoinTokens: { Manager: string } }).JoinTokens
      .Manager;
    await Promise.all(
      others.map(async (node) => {
        const engine = ctx.driver.engine(node);
        if ((await swarmState(engine)) === "active") return;
        await engine.swarmJoin({
          ListenAddr: "0.0.0.0:2377",
          AdvertiseAddr: node.address,
          RemoteAddrs: [`${first.address}:2377`],
          JoinToken: token,
        });
      }),
    );
    const specs = need(ctx.plan, "plan").nodes;
    const swarmNodes = (await leader.listNodes()) as Array<{
      ID: string;
      Version: { Index: number };
      Spec: Record<string, unknown> & { Labels?: Record<string, string> };
      Description: { Hostname: string };
      Status: { State: string };
    }>;
    for (const sn of swarmNodes) {
      const spec = specs.find((s) => s.hostname === sn.Description.Hostname);
      if (!spec || sn.Status.State !== "ready") continue;
      const labels = { ...(sn.Spec.Labels ?? {}), ...spec.swarmLabels };
      await leader.getNode(sn.ID).update({ version: sn.Version.Index, ...sn.Spec, Labels: labels });
    }
    report(`${nodes.length} managers`);
  },
};
