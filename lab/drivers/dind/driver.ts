/** Nodes as Docker-in-Docker containers on a private bridge network of the host. */
import { LABEL_INDEX, LABEL_KIND, LABEL_LAB, labels } from "../../plan/names.js";
import type { NetworkSpec, NodeSpec } from "../../plan/nodes.js";
import { type Engine, ignoreNotFound, isNotFound, tcpEngine } from "../../runtime/docker.js";
import type { LabNode, NodeDriver } from "../types.js";
import { nodeHostConfig, refusesPrivileged } from "./flags.js";

export const NODE_API_PORT = 2375;

export class DindDriver implements NodeDriver {
  readonly name = "dind";
  private privileged: boolean | undefined;
  /** Nodes are created in parallel: the network they share is created once. */
  private network$: Promise<void> | undefined;

  constructor(
    private readonly host: Engine,
    private readonly lab: string,
    private readonly network: NetworkSpec,
  ) {}

  async create(spec: NodeSpec): Promise<LabNode> {
    const existing = (await this.list()).find((n) => n.name === spec.name);
    if (existing?.running) return existing;
    if (existing) {
      await this.start(spec.name);
      return this.find(spec.name);
    }
    await this.ensureNetwork();
    await this.ensureVolume(spec);
    if (this.privileged !== false) {
      try {
        await this.createContainer(spec, true);
        this.privileged = true;
        return this.find(spec.name);
      } catch (err) {
        if (!refusesPrivileged(err)) throw err;
        await this.removeContainer(spec.name);
        this.privileged = false;
      }
    }
    await this.createContainer(spec, false);
    return this.find(spec.name);
  }

  async list(): Promise<LabNode[]> {
    const containers = await this.host.listContainers({
      all: true,
      filters: { label: [`${LABEL_LAB}=${this.lab}`, `${LABEL_KIND}=node`] },
    });
    return containers
      .map((c) => ({
        name: (c.Names[0] ?? "").replace(/^\//, ""),
        index: Number(c.Labels[LABEL_INDEX] ?? 0),
        address: c.NetworkSettings?.Networks?.[this.network.name]?.IPAddress ?? "",
        running: c.State === "running",
      }))
      .sort((a, b) => a.index - b.index);
  }

  async start(name: string): Promise<void> {
    try {
      await this.host.getContainer(name).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err;
    }
  }

  async kill(name: string): Promise<void> {
    await this.host.getContainer(name).kill();
  }

  async remove(name: string): Promise<void> {
    const info = await this.host
      .getContainer(name)
      .inspect()
      .catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
    await this.removeContainer(name);
    const volume = info?.Mounts.find((m) => m.Destination === "/var/lib/docker")?.Name;
    if (volume) await this.host.getVolume(volume).remove().catch(ignoreNotFound);
  }

  engine(node: LabNode): Engine {
    return tcpEngine(node.address, NODE_API_PORT);
  }

  async teardown(): Promise<void> {
    const found = await this.host.listNetworks({
      filters: { label: [`${LABEL_LAB}=${this.lab}`], name: [this.network.name] },
    });
    for (const n of found) await this.host.getNetwork(n.Id).remove().catch(ignoreNotFound);
    this.network$ = undefined;
  }

  private async find(name: string): Promise<LabNode> {
    const node = (await this.list()).find((n) => n.name === name);
    if (!node?.running || !node.address) throw new Error(`node ${name} did not start`);
    return node;
  }

  private ensureNetwork(): Promise<void> {
    this.network$ ??= this.createNetworkIfMissing();
    return this.network$;
  }

  private async createNetworkIfMissing(): Promise<void> {
    const found = await this.host.listNetworks({ filters: { name: [this.network.name] } });
    if (found.some((n) => n.Name === this.network.name)) return;
    await this.host.createNetwork({
      Name: this.network.name,
      Driver: "bridge",
      Labels: this.network.labels,
      CheckDuplicate: true,
    });
  }

  private async ensureVolume(spec: NodeSpec): Promise<void> {
    await this.host.createVolume({ Name: spec.volume, Labels: labels(this.lab, "volume") });
  }

  private async createContainer(spec: NodeSpec, privileged: boolean): Promise<void> {
    const container = await this.host.createContainer({
      name: spec.name,
      Hostname: spec.hostname,
      Image: spec.image,
      Labels: spec.labels,
      HostConfig: nodeHostConfig(privileged, spec.volume, this.network.name),
    });
    await container.start();
  }

  private async removeContainer(name: string): Promise<void> {
    await this.host.getContainer(name).remove({ force: true, v: true }).catch(ignoreNotFound);
  }
}
