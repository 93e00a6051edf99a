/** Pure: config -> the nodes and the network to create. */
import type { LabConfig } from "../config/schema.js";
import { LABEL_KEEP, labels, names } from "./names.js";
import { registryHost } from "./registry.js";

/** Where the node that runs the backup service sees the kept repository volume. */
export const BACKUP_NODE_PATH = "/srv/lab-backups";

/** A host volume the node mounts that outlives it (the node's own volume does not). */
export interface KeptVolume {
  name: string;
  path: string;
  labels: Record<string, string>;
}

export interface NodeSpec {
  name: string;
  index: number;
  hostname: string;
  volume: string;
  image: string;
  labels: Record<string, string>;
  /** Swarm node labels used for placement (the database volume is pinned to one node). */
  swarmLabels: Record<string, string>;
  /** Host volumes this node mounts that `lab:down` keeps (the backup repository). */
  kept: KeptVolume[];
  /** The lab's registry (host:port), which the node's engine pulls from over the lab network. */
  registry: string;
}

export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
}

/**
 * Where pinned services go (each has its volume on that node): the two Patroni members on
 * different nodes, away from Prometheus and the backup repository when there are three nodes;
 * one etcd member per node.
 */
export function placements(nodes: number): Record<string, number> {
  const [pg1, pg2] = nodes >= 3 ? [2, 3] : nodes === 2 ? [1, 2] : [1, 1];
  return {
    "lab.pg1": pg1,
    "lab.pg2": pg2,
    "lab.etcd1": 1,
    "lab.etcd2": Math.min(2, nodes),
    "lab.etcd3": Math.min(3, nodes),
    "lab.prometheus": 1,
    // The backup repository: on a node with no database member when there are three nodes.
    "lab.backup": 1,
  };
}

export function planNodes(config: LabConfig, nodeImage: string): NodeSpec[] {
  const where = placements(config.nodes);
  return Array.from({ length: config.nodes }, (_, k) => {
    const index = k + 1;
    const name = names.node(config.name, index);
    const swarmLabels = Object.fromEntries(
      Object.entries(where)
        .filter(([, node]) => node === index)
        .map(([label]) => [label, "true"]),
    );
    return {
      name,
      index,
      hostname: name,
      volume: names.nodeVolume(config.name, index),
      image: nodeImage,
      labels: labels(config.name, "node", { "lab.index": String(index) }),
      swarmLabels,
      registry: registryHost(config.name),
      kept:
        where["lab.backup"] === index
          ? [
              {
                name: names.backups(config.name),
                path: BACKUP_NODE_PATH,
                labels: labels(config.name, "volume", { [LABEL_KEEP]: "backups" }),
              },
            ]
          : [],
    };
  });
}

export function planNetwork(config: LabConfig): NetworkSpec {
  return { name: names.network(config.name), labels: labels(config.name, "network") };
}
