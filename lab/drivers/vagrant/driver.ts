/**
 * Nodes as the Vagrantfile's VMs: `vagrant up` makes and provisions them (the same play as any
 * ssh host), then they are ssh-driver hosts on their private addresses. A drill's power cut is a
 * real one here: `vagrant halt --force`.
 */
import { CommandError, EXIT, LabError } from "../../errors.js";
import type { NodeSpec } from "../../plan/nodes.js";
import type { Engine } from "../../runtime/docker.js";
import { run } from "../../runtime/exec.js";
import { SshDriver, type SshHosts } from "../ssh/driver.js";
import type { InventoryHost } from "../ssh/inventory.js";
import type { LabNode, NodeDriver, TeardownReport } from "../types.js";
import { machineStates, providerProblem, vagrantMachines } from "./status.js";

export interface VagrantOptions {
  lab: string;
  nodes: number;
  provider: string;
  /** the folder of the Vagrantfile */
  cwd: string;
  /** the private network's first three bytes (LAB_NETWORK) */
  network: string;
  knownHosts: string;
  tls: SshHosts["tls"];
  /** issues each VM's engine certificate where the play reads it, before `vagrant up` */
  certify(name: string, address: string): Promise<void>;
}

const INSTALL =
  "install Vagrant (Debian: apt-get install vagrant; else https://developer.hashicorp.com/vagrant/install) and a hypervisor (VirtualBox, or libvirt with vagrant-libvirt)";

export class VagrantDriver implements NodeDriver {
  readonly name = "vagrant";
  private readonly ssh: SshDriver;
  private up$: Promise<void> | undefined;

  constructor(private readonly o: VagrantOptions) {
    const hosts = (): InventoryHost[] =>
      vagrantMachines(o.lab, o.nodes, o.network).map((m) => ({
        ...m,
        sshHost: m.address,
        sshPort: 22,
        user: "vagrant",
        entry: true,
      }));
    this.ssh = new SshDriver(o.lab, {
      hosts,
      source: "the Vagrantfile",
      knownHosts: o.knownHosts,
      tls: o.tls,
    });
  }

  /** One `vagrant up` for every VM (the play runs once, over all of them). */
  async create(spec: NodeSpec): Promise<LabNode> {
    this.up$ ??= this.upAll();
    await this.up$;
    return this.ssh.create(spec);
  }

  async list(): Promise<LabNode[]> {
    const states = machineStates(await this.vagrant(["status", "--machine-readable"]));
    return vagrantMachines(this.o.lab, this.o.nodes, this.o.network)
      .filter((m) => (states.get(m.name) ?? "not_created") !== "not_created")
      .map((m) => ({ ...m, running: states.get(m.name) === "running" }));
  }

  async start(name: string): Promise<void> {
    await this.vagrant(["up", "--no-provision", name]);
  }

  async kill(name: string): Promise<void> {
    await this.vagrant(["halt", "--force", name]);
  }

  async remove(name: string): Promise<void> {
    await this.vagrant(["destroy", "--force", name]);
  }

  engine(node: LabNode): Engine {
    return this.ssh.engine(node);
  }

  keptOnNodes(): string[] {
    return this.ssh.keptOnNodes().map((k) => `${k} (its VM's disk)`);
  }

  /**
   * The lab off the running VMs, then the VMs halted: their disks, and the backups on them, stay
   * for the next lab:up. `purge`: the VMs destroyed, disks and backups with them.
   */
  async teardown(purge: boolean): Promise<TeardownReport> {
    if (purge) {
      await this.vagrant(["destroy", "--force"]);
      return { removed: ["the VMs destroyed, with their disks and the backups on them"], kept: [] };
    }
    const running = (await this.list()).some((n) => n.running);
    const report = running ? await this.ssh.teardown(false) : { removed: [], kept: [] };
    await this.vagrant(["halt"]);
    return {
      removed: [...report.removed, "the VMs halted (vagrant halt)"],
      kept: this.keptOnNodes(),
    };
  }

  private async upAll(): Promise<void> {
    for (const m of vagrantMachines(this.o.lab, this.o.nodes, this.o.network))
      await this.o.certify(m.name, m.address);
    try {
      await this.vagrant(["up", "--provider", this.o.provider]);
    } catch (err) {
      const text = err instanceof CommandError ? `${err.message}\n${err.output}` : String(err);
      throw providerProblem(text, this.o.provider) ?? err;
    }
  }

  private async vagrant(args: string[]): Promise<string> {
    try {
      return await run("vagrant", args, {
        cwd: this.o.cwd,
        env: {
          LAB_NAME: this.o.lab,
          LAB_NODES: String(this.o.nodes),
          LAB_NETWORK: this.o.network,
        },
        hint: "see Vagrant's message above; `vagrant status` shows the VMs",
        timeoutMs: 30 * 60_000,
      });
    } catch (err) {
      if (err instanceof CommandError && err.code === 127)
        throw new LabError("vagrant is not installed (not on PATH)", INSTALL, EXIT.usage);
      throw err;
    }
  }
}
