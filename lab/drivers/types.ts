/** A lab node is something with a Docker engine you can reach. Steps only see this port. */
import type { NodeSpec } from "../plan/nodes.js";
import type { Engine } from "../runtime/docker.js";
import type { EngineTls } from "../state/tls.js";

export interface LabNode {
  name: string;
  index: number;
  /** Address other nodes and the host use to reach it (Swarm advertise address). */
  address: string;
  running: boolean;
}

/** What node engines' mutual TLS needs: the client's credentials, a server certificate per address. */
export interface NodeTls {
  client(): EngineTls;
  issue(address: string): Promise<EngineTls>;
}

/** What a teardown did to the nodes, and what it left there. */
export interface TeardownReport {
  removed: string[];
  kept: string[];
}

export interface NodeDriver {
  readonly name: string;
  /** Creates the node (or returns it when it already runs). */
  create(spec: NodeSpec): Promise<LabNode>;
  /** Every node of this lab, running or not. */
  list(): Promise<LabNode[]>;
  start(name: string): Promise<void>;
  /** Hard stop, as a power cut: used by drills. */
  kill(name: string): Promise<void>;
  /** Removes the node and its storage. Safe when it is already gone. */
  remove(name: string): Promise<void>;
  /** The Docker API of the engine inside the node. */
  engine(node: LabNode): Engine;
  /**
   * Removes what the driver shares between nodes (network), or, for hosts it did not create, the
   * lab from them. `purge`: the backups kept on nodes too. Safe to rerun.
   */
  teardown(purge: boolean): Promise<TeardownReport>;
  /** What lab:down keeps on the nodes themselves (the backup repository), for messages. */
  keptOnNodes(): string[];
}
