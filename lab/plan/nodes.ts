/** Pure: config -> the nodes and the network to create. */
import type { LabConfig } from "../config/schema.js";
import { labels, names } from "./names.js";

export interface NodeSpec {
  name: string;
  index: number;
  hostname: string;
  volume: string;
  image: string;
  labels: Record<string, string>;
  /** Swarm node labels used for placement (the database volume is pinned to one node). */
  swarmLabels: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
}

/** Node that carries the single Postgres instance and its volume. */
export const DB_NODE_INDEX = 2;

export function planNodes(config: LabConfig, nodeImage: string): NodeSpec[] {
  return Array.from({ length: config.nodes }, (_, k) => {
    const index = k + 1;
    const name = names.node(config.name, index);
    const dbIndex = Math.min(DB_NODE_INDEX, config.nodes);
    return {
      name,
      index,
      hostname: name,
      volume: names.nodeVolume(config.name, index),
      image: nodeImage,
      labels: labels(config.name, "node", { "lab.index": String(index) }),
      swarmLabels: (index === dbIndex ? { "lab.db": "primary" } : {}) as Record<string, string>,
    };
  });
}

export function planNetwork(config: LabConfig): NetworkSpec {
  return { name: names.network(config.name), labels: labels(config.name, "network") };
}
