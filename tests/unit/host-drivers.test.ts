/**
 * The ssh and vagrant drivers' own logic: the inventory they read, the messages they give, and the
 * vagrant driver against a fake `vagrant` on PATH (Vagrant cannot boot VMs here: no hardware
 * virtualisation). The real path, hosts provisioned by the play and a lab on them, is
 * tests/hosts (npm run test:hosts).
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validateConfig } from "../../lab/config/validate.js";
import { sshArgs } from "../../lab/drivers/ssh/command.js";
import { SshDriver } from "../../lab/drivers/ssh/driver.js";
import { readInventory } from "../../lab/drivers/ssh/inventory.js";
import { VagrantDriver } from "../../lab/drivers/vagrant/driver.js";
import { machineStates, providerProblem } from "../../lab/drivers/vagrant/status.js";
import { LabError } from "../../lab/errors.js";
import { planNodes } from "../../lab/plan/nodes.js";
import { labUrls } from "../../lab/plan/urls.js";

const EXAMPLE = readFileSync("scripts/provision/inventory.example.yml", "utf8");
const NO_TLS = () => ({ ca: "", cert: "", key: "" });

describe("the inventory the ssh driver reads", () => {
  it("reads the example: three hosts in order, private addresses, user from all.vars", () => {
    const hosts = readInventory("/x/inv.yml", EXAMPLE);
    expect(hosts.map((h) => [h.name, h.index, h.sshHost, h.address, h.user, h.entry])).toEqual([
      ["lab-node-1", 1, "198.51.100.11", "10.0.1.11", "debian", true],
      ["lab-node-2", 2, "198.51.100.12", "10.0.2.12", "debian", true],
      ["lab-node-3", 3, "198.51.100.13", "10.0.3.13", "debian", true],
    ]);
  });

  it("resolves a relative key file from the inventory's folder; a host outside entry is not one", () => {
    const text = `all:
  vars: { ansible_ssh_private_key_file: keys/id, ansible_port: 2222 }
  children:
    swarm_nodes:
      hosts:
        a: { ansible_host: 10.1.0.1 }
        b: { ansible_host: 10.1.0.2, ansible_user: ops }
    entry:
      hosts: { a: }
`;
    const [a, b] = readInventory("/srv/lab/inv.yml", text);
    expect(a?.keyFile).toBe("/srv/lab/keys/id");
    expect(a?.sshPort).toBe(2222);
    expect(a?.address).toBe("10.1.0.1");
    expect([a?.entry, b?.entry]).toEqual([true, false]);
    expect(b?.user).toBe("ops");
  });

  it("refuses an inventory without swarm_nodes, bad YAML, a host name as private address", () => {
    expect(() => readInventory("i.yml", "all:\n  hosts: { a: }\n")).toThrow(
      /inventory i\.yml is not usable by the ssh driver: no host in group swarm_nodes/,
    );
    expect(() => readInventory("i.yml", "all: [")).toThrow(/not valid YAML/);
    expect(() =>
      readInventory("i.yml", "swarm_nodes:\n  hosts:\n    a: { private_address: node-a }\n"),
    ).toThrow(/host a: private_address "node-a" is not an IPv4 address/);
  });

  it("ssh never prompts, bounds the connect, and learns host keys in the lab's file", () => {
    const [host] = readInventory("/x/i.yml", EXAMPLE);
    if (!host) throw new Error("no host");
    const args = sshArgs(host, "/lab/known_hosts", "true");
    expect(args).toEqual(expect.arrayContaining(["BatchMode=yes", "ConnectTimeout=10"]));
    expect(args).toContain("UserKnownHostsFile=/lab/known_hosts");
    expect(args.slice(-2)).toEqual(["debian@198.51.100.11", "true"]);
  });
});

describe("configuration of hosts as nodes", () => {
  it("driver ssh needs an inventory; the URLs are the nodes' own 443", () => {
    const bad = validateConfig({ driver: "ssh" });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.errors.join("\n")).toMatch(/inventory.*driver ssh needs the hosts' inventory/);
    const good = validateConfig({ driver: "ssh", inventory: "i.yml", ports: { https: 8443 } });
    if (!good.ok) throw new Error(good.errors.join("\n"));
    expect(labUrls(good.config).app).toBe("https://app.lab.localhost/");
  });
});

describe("the ssh driver's messages", () => {
  const hosts = readInventory(
    "/x/i.yml",
    "swarm_nodes:\n  hosts:\n    h1: { ansible_host: 127.0.0.1 }\n",
  );
  const driver = new SshDriver("lab", {
    hosts: () => hosts,
    source: "/x/i.yml",
    knownHosts: "/dev/null",
    tls: NO_TLS,
  });
  const config = validateConfig({ driver: "ssh", inventory: "/x/i.yml" });
  if (!config.ok) throw new Error("config");
  const specs = planNodes(config.config, "node:x");

  it("a host whose engine does not answer: named, with the play to run", async () => {
    const err = await driver.create(specs[0] as (typeof specs)[0]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toMatch(
      /host h1 \(127\.0\.0\.1:2376, from \/x\/i\.yml\) does not answer/,
    );
    expect((err as LabError).hint).toMatch(/ansible-playbook -i \/x\/i\.yml/);
    expect(await driver.list()).toEqual([
      { name: "h1", index: 1, address: "127.0.0.1", running: false },
    ]);
  });

  it("more nodes than the inventory has hosts: says how many and the two fixes", async () => {
    const err = await driver.create(specs[2] as (typeof specs)[0]).catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/needs node 3, and \/x\/i\.yml lists 1 host/);
    expect((err as LabError).hint).toMatch(/nodes: 1/);
  });
});

describe("the vagrant driver, against a fake vagrant on PATH", () => {
  const dir = mkdtempSync(join(tmpdir(), "fake-vagrant-"));
  const log = join(dir, "calls.log");
  const path = process.env.PATH;
  const certified: string[] = [];
  const driver = (provider = "virtualbox") =>
    new VagrantDriver({
      lab: "lab",
      nodes: 3,
      provider,
      cwd: dir,
      network: "127.0.0",
      knownHosts: "/dev/null",
      tls: NO_TLS,
      certify: async (name, address) => {
        certified.push(`${name} ${address}`);
      },
    });
  const calls = () => readFileSync(log, "utf8").trim().split("\n");

  beforeEach(() => {
    writeFileSync(
      join(dir, "vagrant"),
      `#!/bin/sh
echo "LAB_NAME=$LAB_NAME LAB_NODES=$LAB_NODES $*" >> "${log}"
case "$1" in
  status) printf '1,lab-node-1,provider-name,virtualbox\\n1,lab-node-1,state,running\\n1,lab-node-2,state,poweroff\\n1,lab-node-3,state,not_created\\n' ;;
  up) if [ -n "$FAKE_VAGRANT_UP" ]; then echo "$FAKE_VAGRANT_UP" >&2; exit 1; fi ;;
esac
`,
    );
    chmodSync(join(dir, "vagrant"), 0o755);
    writeFileSync(log, "");
    certified.length = 0;
    process.env.PATH = `${dir}:${path}`;
  });
  afterEach(() => {
    process.env.PATH = path;
    delete process.env.FAKE_VAGRANT_UP;
  });

  it("lists the created VMs with their state and the Vagrantfile's addresses", async () => {
    expect(await driver().list()).toEqual([
      { name: "lab-node-1", index: 1, address: "127.0.0.11", running: true },
      { name: "lab-node-2", index: 2, address: "127.0.0.12", running: false },
    ]);
    expect(calls()).toEqual(["LAB_NAME=lab LAB_NODES=3 status --machine-readable"]);
  });

  it("a drill's power cut is a forced halt; start, remove and teardown are vagrant's own", async () => {
    const d = driver();
    await d.kill("lab-node-2");
    await d.start("lab-node-2");
    await d.remove("lab-node-3");
    await d.teardown(true);
    expect(calls().map((c) => c.replace(/^\S+ \S+ /, ""))).toEqual([
      "halt --force lab-node-2",
      "up --no-provision lab-node-2",
      "destroy --force lab-node-3",
      "destroy --force",
    ]);
  });

  it("lab:down without --purge halts the VMs only once the lab is off them; a VM that does not answer is named", async () => {
    const err = await driver()
      .teardown(false)
      .catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/the lab was taken off every host but lab-node-1 \(/);
    expect(calls().some((c) => c.includes("halt"))).toBe(false);
  });

  it("create: certificates first, one vagrant up for all, then each engine must answer", async () => {
    const d = driver("libvirt");
    const config = validateConfig({ driver: "vagrant" });
    if (!config.ok) throw new Error("config");
    const [spec] = planNodes(config.config, "node:x");
    const err = await d.create(spec as NonNullable<typeof spec>).catch((e: unknown) => e);
    expect(certified).toEqual([
      "lab-node-1 127.0.0.11",
      "lab-node-2 127.0.0.12",
      "lab-node-3 127.0.0.13",
    ]);
    expect(calls()).toEqual(["LAB_NAME=lab LAB_NODES=3 up --provider libvirt"]);
    // nothing answers on 127.0.0.11:2376 here: the VM is named
    expect((err as LabError).message).toMatch(
      /host lab-node-1 \(127\.0\.0\.11:2376, from the Vagrantfile\)/,
    );
  });

  it("a provider that is not installed: named, with how to install it or switch", async () => {
    process.env.FAKE_VAGRANT_UP =
      "The provider 'libvirt' could not be found, but was requested to back the machine 'lab-node-1'. Please use a provider that exists.";
    const config = validateConfig({ driver: "vagrant" });
    if (!config.ok) throw new Error("config");
    const [spec] = planNodes(config.config, "node:x");
    const err = await driver("libvirt")
      .create(spec as NonNullable<typeof spec>)
      .catch((e: unknown) => e);
    expect((err as LabError).message).toMatch(/Vagrant's provider "libvirt" is not installed/);
    expect((err as LabError).hint).toMatch(/vagrant-libvirt.*--provider virtualbox/);
  });

  it("no vagrant on PATH: says so and how to install it", async () => {
    process.env.PATH = "/nonexistent";
    const err = await driver()
      .list()
      .catch((e: unknown) => e);
    expect((err as LabError).message).toBe("vagrant is not installed (not on PATH)");
    expect((err as LabError).hint).toMatch(/apt-get install vagrant/);
  });

  it("reads Vagrant's machine-readable status and its provider messages", () => {
    expect(machineStates("1,a,state,running\n1,a,provider-name,x\n1,b,state,poweroff\n")).toEqual(
      new Map([
        ["a", "running"],
        ["b", "poweroff"],
      ]),
    );
    expect(
      providerProblem("Vagrant could not detect VirtualBox! Make sure", "virtualbox")?.message,
    ).toMatch(/"virtualbox" is not installed/);
    expect(providerProblem("some other failure", "virtualbox")).toBeUndefined();
  });
});
