/** Nodes as Docker-in-Docker containers on a private bridge network of the host. */
import { EXIT, LabError } from "../../errors.js";
import { LABEL_INDEX, LABEL_KIND, LABEL_LAB, labels } from "../../plan/names.js";
import type { NetworkSpec, NodeSpec } from "../../plan/nodes.js";
import { systemClock } from "../../runtime/clock.js";
import { type Engine, tarOf, tlsEngine } from "../../runtime/docker.js";
import type { LabNode, NodeDriver, NodeTls, TeardownReport } from "../types.js";
import { NODE_TLS_DIR, nodeEnv, nodeHostConfig, refusesPrivileged } from "./flags.js";

/** The node engine's API: mutual TLS only (client certificate from the engine CA). */
export const NODE_API_PORT = 2376;

export class DindDriver implements NodeDriver {
  readonly name = "dind";
  private privileged: boolean | undefined;
  /** Nodes are created in parallel: the network they share is created once. */
  private network$: Promise<void> | undefined;
  /** Nodes restarted for a new engine CA, one after the other. */
  private recertifying: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: Engine,
    private readonly lab: string,
    private readonly network: NetworkSpec,
    private readonly tls: NodeTls,
  ) {}

  async create(spec: NodeSpec): Promise<LabNode> {
    const existing = (await this.list()).find((n) => n.name === spec.name);
    if (existing) await this.requireKeptMounts(spec);
    if (existing?.running) {
      if (await this.trustsEngineCa(spec.name)) return existing;
      // Certified by another CA (the lab CA, before the engines had their own): the node starts
      // again and gets a certificate from the engine CA, as any start does. One node at a time,
      // each back in its swarm before the next goes: the others keep the managers' quorum, and
      // a node restarted alone gets its address back (three at once swapped theirs, and the
      // swarm did not form again).
      this.recertifying = this.recertifying.then(() => this.recertify(spec.name));
      await this.recertifying;
      return this.find(spec.name);
    }
    if (existing) {
      await this.start(spec.name);
      return this.find(spec.name);
    }
    await this.ensureNetwork();
    await this.ensureVolume(spec);
    if (this.privileged !== false) {
      try {
        await this.startNode(spec, true);
        this.privileged = true;
        return this.certify(spec.name);
      } catch (err) {
        if (!refusesPrivileged(err)) throw err;
        await this.removeContainer(spec.name);
        this.privileged = false;
      }
    }
    await this.startNode(spec, false);
    return this.certify(spec.name);
  }

  async list(): Promise<LabNode[]> {
    const containers = await this.host.containers.list(
      { label: [`${LABEL_LAB}=${this.lab}`, `${LABEL_KIND}=node`] },
      true,
    );
    return containers
      .map((c) => ({
        name: (c.Names[0] ?? "").replace(/^\//, ""),
        index: Number(c.Labels[LABEL_INDEX] ?? 0),
        address: c.NetworkSettings?.Networks?.[this.network.name]?.IPAddress ?? "",
        running: c.State === "running",
      }))
      .sort((a, b) => a.index - b.index);
  }

  /** Starts a stopped node: its engine waits for a certificate for the address it got now. */
  async start(name: string): Promise<void> {
    if (await this.host.containers.start(name)) await this.certify(name);
  }

  async kill(name: string): Promise<void> {
    await this.host.containers.kill(name);
  }

  async remove(name: string): Promise<void> {
    const info = await this.host.containers.find(name);
    await this.removeContainer(name);
    const volume = info?.Mounts.find((m) => m.Destination === "/var/lib/docker")?.Name;
    if (volume) await this.host.volumes.remove(volume);
  }

  engine(node: LabNode): Engine {
    return tlsEngine(node.address, NODE_API_PORT, this.tls.client());
  }

  /** The backup repository is a volume of this machine's engine (lab:down lists it). */
  keptOnNodes(): string[] {
    return [];
  }

  async teardown(): Promise<TeardownReport> {
    const found = await this.host.networks.list({
      label: [`${LABEL_LAB}=${this.lab}`],
      name: [this.network.name],
    });
    for (const n of found) await this.host.networks.remove(n.Id);
    this.network$ = undefined;
    return { removed: [], kept: [] };
  }

  /**
   * Gives a just-started node its engine's server certificate (for the address Docker gave it
   * this time) on a tmpfs the entrypoint waits on: the key never lands on disk, and a restart
   * always gets a fresh one.
   */
  private async certify(name: string): Promise<LabNode> {
    const node = await this.find(name);
    const tls = await this.tls.issue(node.address);
    const files = await tarOf({
      "ca.pem": tls.ca,
      "server.pem": tls.cert,
      "server-key.pem": tls.key,
      ready: "",
    });
    const r = await this.host.containers.execWithInput(
      name,
      ["tar", "-x", "-C", NODE_TLS_DIR],
      files,
    );
    if (r.code !== 0)
      throw new Error(`could not place the engine certificate in ${name}: ${r.stdout}`);
    return node;
  }

  private async recertify(name: string): Promise<void> {
    await this.host.containers.kill(name);
    await this.start(name);
    const node = await this.find(name);
    const engine = this.engine(node);
    const deadline = systemClock.now() + 120_000;
    for (;;) {
      const state = await engine
        .info()
        .then((i) => i.Swarm?.LocalNodeState ?? "inactive")
        .catch((err: Error) => `no answer (${err.message})`);
      // active: back in its swarm; inactive: it was in none (nothing to wait for).
      if (state === "active" || state === "inactive") return;
      if (systemClock.now() > deadline)
        throw new LabError(
          `node ${name} restarted with an engine-CA certificate but is not back in its swarm after 120 s (${state})`,
          `look at its log: docker logs ${name}; if the swarm does not recover, npm run lab:save, then npm run lab:down && npm run lab:up`,
          EXIT.failure,
        );
      await systemClock.sleep(1000);
    }
  }

  /** Whether the running node's engine trusts the CA the lab's client certificate is from. */
  private async trustsEngineCa(name: string): Promise<boolean> {
    const r = await this.host.containers.exec(name, ["cat", `${NODE_TLS_DIR}/ca.pem`]);
    return r.code === 0 && r.stdout.trim() === this.tls.client().ca.trim();
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
    const found = await this.host.networks.list({ name: [this.network.name] });
    if (found.some((n) => n.Name === this.network.name)) return;
    await this.host.networks.createBridge(this.network.name, this.network.labels);
  }

  /**
   * A node created before the repository had a volume of its own cannot run the backup service;
   * one created before the lab had a registry cannot pull the stack's images.
   */
  private async requireKeptMounts(spec: NodeSpec): Promise<void> {
    const info = await this.host.containers.find(spec.name);
    if (!info) return;
    const env = nodeEnv(spec.registry);
    if (!env.every((e) => info.Config.Env?.includes(e)))
      throw new LabError(
        `node ${spec.name} was created by an older swarm-lab, whose nodes do not pull from the lab's registry (${spec.registry})`,
        "recreate the nodes: npm run lab:down -- --keep-images && npm run lab:up (the backup repository is kept)",
        EXIT.usage,
      );
    const missing = spec.kept.filter((k) => !info.Mounts.some((m) => m.Destination === k.path));
    if (missing.length > 0) {
      throw new LabError(
        `node ${spec.name} does not mount ${missing.map((k) => `${k.name} on ${k.path}`).join(", ")}: it was created by an older swarm-lab, whose backup repository lived inside the node`,
        "recreate the lab: npm run lab:down -- --keep-images && npm run lab:up (the old repository goes with the node; take a fresh backup afterwards)",
        EXIT.usage,
      );
    }
  }

  private async ensureVolume(spec: NodeSpec): Promise<void> {
    await this.host.volumes.create(spec.volume, labels(this.lab, "volume"));
    // Docker returns a volume that exists as it is: a kept repository is reused.
    for (const k of spec.kept) await this.host.volumes.create(k.name, k.labels);
  }

  private async startNode(spec: NodeSpec, privileged: boolean): Promise<void> {
    await this.host.containers.run({
      name: spec.name,
      Hostname: spec.hostname,
      Image: spec.image,
      Labels: spec.labels,
      Env: nodeEnv(spec.registry),
      HostConfig: nodeHostConfig(privileged, spec.volume, this.network.name, spec.kept),
    });
  }

  private async removeContainer(name: string): Promise<void> {
    await this.host.containers.remove(name, true);
  }
}
