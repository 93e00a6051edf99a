/**
 * Nodes as hosts someone else made (cloud VMs, Vagrant VMs, bare metal, the test's bare-host
 * containers), provisioned by scripts/provision/playbook.yml: each engine answers on its address,
 * port 2376, over mutual TLS with the engine CA. The lab never creates or deletes a host: `create`
 * checks it, `remove` and `teardown` take the lab off it (its containers, volumes, the swarm).
 */
import { EXIT, LabError } from "../../errors.js";
import { names } from "../../plan/names.js";
import { BACKUP_NODE_PATH, type NodeSpec, placements } from "../../plan/nodes.js";
import { withTimeout } from "../../runtime/clock.js";
import { type Engine, tlsEngine } from "../../runtime/docker.js";
import { run } from "../../runtime/exec.js";
import type { EngineTls } from "../../state/tls.js";
import { waitFor } from "../../wait/poll.js";
import { NODE_API_PORT } from "../dind/driver.js";
import type { LabNode, NodeDriver, TeardownReport } from "../types.js";
import { EMPTY_BACKUPS, ENGINE_START, ENGINE_STOP, sshArgs } from "./command.js";
import type { InventoryHost } from "./inventory.js";

/** How long a host's engine gets to answer before the host counts as down. */
const PROBE_MS = 8_000;
const STACK_LABEL = "com.docker.stack.namespace";

export interface SshHosts {
  /** the hosts, node 1 first (read from the inventory when first needed) */
  hosts(): InventoryHost[];
  /** where the inventory comes from, for messages */
  source: string;
  knownHosts: string;
  tls(): EngineTls;
}

export class SshDriver implements NodeDriver {
  readonly name: string = "ssh";

  constructor(
    protected readonly lab: string,
    protected readonly from: SshHosts,
  ) {}

  async create(spec: NodeSpec): Promise<LabNode> {
    const host = this.host(spec.index);
    const node = await this.probe(host);
    if (node.running) return node;
    throw new LabError(
      `host ${host.name} (${host.address}:${NODE_API_PORT}, from ${this.from.source}) does not answer with a lab engine: ${node.problem}`,
      `provision it (it must answer SSH as in the inventory): .venv-ansible/bin/ansible-playbook -i ${this.from.source} scripts/provision/playbook.yml; then run lab:up again`,
      EXIT.notRunning,
    );
  }

  async list(): Promise<LabNode[]> {
    return Promise.all(
      this.from.hosts().map(async (h) => {
        const { problem: _, ...node } = await this.probe(h);
        return node;
      }),
    );
  }

  async start(name: string): Promise<void> {
    await this.ssh(this.byName(name), ENGINE_START);
  }

  /** The engine and its containers stop at once; the host stays up (SSH can start it again). */
  async kill(name: string): Promise<void> {
    await this.ssh(this.byName(name), ENGINE_STOP);
  }

  /** The lab's containers and volumes off the host, and the host out of the swarm. */
  async remove(name: string): Promise<void> {
    const host = this.byName(name);
    const engine = this.engine(this.nodeOf(host));
    const stack = { label: [`${STACK_LABEL}=${names.stack(this.lab)}`] };
    await engine.swarm.leave();
    // Leaving, the engine removes the swarm's task containers itself ("removal already in
    // progress" to a second remover): each is removed by whichever comes first, then waited for.
    await waitFor(
      `the lab's containers gone from ${name}`,
      async () => {
        const left = await engine.containers.list(stack, true);
        await Promise.all(left.map((c) => engine.containers.remove(c.Id, true).catch(() => {})));
        return { ok: left.length === 0, detail: `${left.length} left` };
      },
      { timeoutMs: 120_000, intervalMs: 1000, hint: `look at them: docker ps -a on ${name}` },
    );
    for (const v of await engine.volumes.list(stack)) await engine.volumes.remove(v.Name);
  }

  engine(node: LabNode): Engine {
    return tlsEngine(node.address, NODE_API_PORT, this.from.tls());
  }

  /** The backup repository: a folder of the host that runs the backup service. */
  keptOnNodes(): string[] {
    return [`${BACKUP_NODE_PATH} on ${this.backupHost().name}`];
  }

  /**
   * Every host that answers is taken off the lab (one that does not is named); `purge` empties
   * the backup repository's folder too. The hosts themselves stay, provisioned.
   */
  async teardown(purge: boolean): Promise<TeardownReport> {
    const nodes = await Promise.all(this.from.hosts().map((h) => this.probe(h)));
    const removed: string[] = [];
    for (const node of nodes.filter((n) => n.running)) {
      await this.remove(node.name);
      removed.push(`${node.name}: the lab's containers and volumes removed, out of the swarm`);
    }
    const down = nodes.filter((n) => !n.running);
    if (down.length > 0)
      throw new LabError(
        `the lab was taken off every host but ${down.map((n) => `${n.name} (${n.problem})`).join(", ")}`,
        "start the engine on those hosts (or remove them from the inventory) and run lab:down again",
        EXIT.notRunning,
      );
    if (!purge) return { removed, kept: this.keptOnNodes() };
    await this.ssh(this.backupHost(), EMPTY_BACKUPS);
    removed.push(`${this.keptOnNodes()[0]}: emptied (every backup deleted)`);
    return { removed, kept: [] };
  }

  protected backupHost(): InventoryHost {
    return this.host(placements(this.from.hosts().length)["lab.backup"] ?? 1);
  }

  protected host(index: number): InventoryHost {
    const hosts = this.from.hosts();
    const host = hosts.find((h) => h.index === index);
    if (!host)
      throw new LabError(
        `the lab needs node ${index}, and ${this.from.source} lists ${hosts.length} host(s) in swarm_nodes`,
        `set nodes: ${hosts.length} in swarm-lab.yaml (or --nodes ${hosts.length}), or add hosts to the inventory and provision them`,
        EXIT.usage,
      );
    return host;
  }

  /** A node by its name: the engine's host name, or the inventory's when it does not answer. */
  private byName(name: string): InventoryHost {
    const hosts = this.from.hosts();
    const found = hosts.find((h) => h.name === name) ?? this.named.get(name);
    if (!found) throw new Error(`no host named ${name} in ${this.from.source}`);
    return found;
  }

  private nodeOf(h: InventoryHost): LabNode {
    return { name: h.name, index: h.index, address: h.address, running: true };
  }

  /** Engine host names seen so far, each to its inventory host. */
  private readonly named = new Map<string, InventoryHost>();

  private async probe(h: InventoryHost): Promise<LabNode & { problem: string }> {
    try {
      const info = await withTimeout(
        `the engine of ${h.name}`,
        PROBE_MS,
        this.engine(this.nodeOf(h)).info(),
      );
      const name = info.Name ?? h.name;
      this.named.set(name, h);
      return { name, index: h.index, address: h.address, running: true, problem: "" };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return {
        name: h.name,
        index: h.index,
        address: h.address,
        running: false,
        problem: e.code ?? e.message,
      };
    }
  }

  protected async ssh(host: InventoryHost, remote: string): Promise<void> {
    await run("ssh", sshArgs(host, this.from.knownHosts, remote), {
      timeoutMs: 120_000,
      hint: `check that ${host.user ?? "your user"}@${host.sshHost}:${host.sshPort} answers SSH with the inventory's key, and may sudo without a password`,
    });
  }
}
