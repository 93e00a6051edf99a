/**
 * The provisioning play for real, on three bare hosts (Debian containers with sshd and Python, no
 * Docker): over SSH it installs the engine with its API on mutual TLS, the firewall, the swarm and
 * its labels; a second run changes nothing. `npm run test:hosts` (minutes: it installs Docker on
 * three hosts from the Debian mirror). The same play a Vagrant VM or a cloud instance gets.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { loadConfig } from "../../lab/config/load.js";
import { connectLab } from "../../lab/running/lab.js";
import { type Engine, tlsEngine } from "../../lab/runtime/docker.js";
import { engineClientTls } from "../../lab/state/tls.js";
import {
  type BareHost,
  bareHostsDown,
  bareHostsUp,
  HOSTS_DIR,
  INVENTORY,
  type PlayRun,
  runPlay,
} from "../../scripts/provision/bare-hosts.js";
import { cli } from "../support/cli.js";
import { appReplicaCrash } from "../support/drill.js";

let hosts: BareHost[] = [];
const runs: PlayRun[] = [];

beforeAll(async () => {
  hosts = await bareHostsUp();
}, 600_000);
afterAll(async () => {
  for (const [i, r] of runs.entries()) console.log(`play run ${i + 1}: ${r.seconds.toFixed(1)} s`);
  if (!process.env.KEEP_BARE_HOSTS) await bareHostsDown();
}, 120_000);

const failedRun = (r: PlayRun) => `play exited ${r.status}:\n${r.output.slice(-4000)}`;

/** Whether `host` has a Docker engine installed (the play's first change). */
const hasDocker = (host: string) =>
  spawnSync("docker", ["exec", host, "sh", "-c", "command -v dockerd"]).status === 0;

/** The inventory with one more host, at an address nothing answers on. */
function inventoryWithGhost(): string {
  const inv = parse(readFileSync(INVENTORY, "utf8"));
  const hosts = inv.all.children.swarm_nodes.hosts;
  const first = Object.values(hosts)[0] as { ansible_host: string };
  const ghost = first.ansible_host.replace(/\.\d+$/, ".250");
  hosts.ghost = { ansible_host: ghost, private_address: ghost, swarm_labels: {} };
  const file = `${HOSTS_DIR}/inventory-ghost.yml`;
  writeFileSync(file, stringify(inv));
  return file;
}

describe("the provisioning play refuses bad hosts before changing anything", () => {
  it("a host that does not answer SSH: named, non-zero exit, no host changed", async () => {
    const run = await runPlay(inventoryWithGhost());
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ghost.*UNREACHABLE/);
    expect(run.recap.ghost?.unreachable).toBe(1);
    for (const h of hosts) expect(hasDocker(h.name), h.name).toBe(false);
  });

  it("a host whose system is not supported: named with the fix, no host changed", async () => {
    // Every bare host is Debian: the check is shown failing by supporting Ubuntu only.
    const run = await runPlay(INVENTORY, ["-e", '{"host_check_supported": ["Ubuntu"]}']);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      /bare-1 runs Debian 12[\d.]*: swarm-lab provisions Ubuntu hosts\. Fix:/,
    );
    for (const h of hosts) expect(hasDocker(h.name), h.name).toBe(false);
  });

  it("no firewall_admin_cidr (it had a default: everyone): named with the fix, no host changed", async () => {
    const run = await runPlay(INVENTORY, ["-e", '{"firewall_admin_cidr": ""}']);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(
      /bare-1: firewall_admin_cidr is unset: .* Fix: set firewall_admin_cidr/s,
    );
    for (const h of hosts) expect(hasDocker(h.name), h.name).toBe(false);
  });
});

describe("the provisioning play on three bare hosts", () => {
  it("provisions them: engines over mutual TLS, one swarm of three managers, the labels", async () => {
    const run = await runPlay();
    runs.push(run);
    expect(run.status, failedRun(run)).toBe(0);
    expect(Object.keys(run.recap).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const r of Object.values(run.recap)) {
      expect(r.failed).toBe(0);
      expect(r.unreachable).toBe(0);
    }
    const engines: Engine[] = hosts.map((h) => tlsEngine(h.address, 2376, engineClientTls()));
    const [first] = engines;
    if (!first) throw new Error("no hosts");
    const nodes = await first.swarm.nodes();
    const hostname = (n: (typeof nodes)[number]) => n.Description.Hostname as string;
    expect(nodes.map(hostname).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const n of nodes) {
      expect(n.Spec.Role, hostname(n)).toBe("manager");
      expect(n.Status.State, hostname(n)).toBe("ready");
      // advertised on the private address the inventory gives
      const host = hosts.find((h) => h.name === hostname(n));
      expect(n.ManagerStatus.Addr).toBe(`${host?.address}:2377`);
    }
    const labels = Object.fromEntries(nodes.map((n) => [hostname(n), Object.keys(n.Spec.Labels)]));
    expect(labels["bare-1"]).toEqual(expect.arrayContaining(["lab.prometheus", "lab.backup"]));
    expect(labels["bare-2"]).toContain("lab.pg1");
    expect(labels["bare-3"]).toContain("lab.pg2");
    // Each engine answers over mutual TLS (its certificate issued by the lab CA for its address).
    for (const e of engines) expect((await e.info()).Swarm?.LocalNodeState).toBe("active");
    // The firewall: from another node, Swarm's port opens; SSH and the engine API do not (this
    // machine, the admin address, reached both above).
    const [from, to] = hosts;
    if (!from || !to) throw new Error("no hosts");
    const opens = (port: number) =>
      spawnSync("docker", [
        "exec",
        from.name,
        "timeout",
        "3",
        "bash",
        "-c",
        `</dev/tcp/${to.address}/${port}`,
      ]).status === 0;
    expect(opens(2377)).toBe(true);
    expect(opens(22)).toBe(false);
    expect(opens(2376)).toBe(false);
  });

  it("a second run changes nothing", async () => {
    const run = await runPlay();
    runs.push(run);
    expect(run.status, failedRun(run)).toBe(0);
    for (const [host, r] of Object.entries(run.recap)) expect(r.changed, host).toBe(0);
  });
});

describe("the lab on those hosts, through --driver ssh", () => {
  // The same inventory the play ran on; the images are this machine's offline set.
  const config = `${HOSTS_DIR}/swarm-lab.yaml`;
  const onHosts = (...args: string[]) => cli([...args, "--config", config]);
  const engines = () => hosts.map((h) => tlsEngine(h.address, 2376, engineClientTls()));

  it("lab:up on the provisioned hosts: a healthy lab, Traefik on the nodes as the entry", async () => {
    writeFileSync(config, stringify({ driver: "ssh", inventory: INVENTORY, images: "offline" }));
    const started = performance.now();
    const up = await onHosts("up");
    const seconds = (performance.now() - started) / 1000;
    console.log(`lab:up --driver ssh: ${seconds.toFixed(1)} s\n${up.stdout}`);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toContain("Traefik on every node's 80/443");
    const status = await onHosts("status", "-o", "json");
    expect(status.code, status.stderr).toBe(0);
    // No entry container on this machine: the hosts serve 443 themselves.
    expect(spawnSync("docker", ["ps", "-q", "--filter", "name=lab-edge"]).stdout.toString()).toBe(
      "",
    );
  });

  it("an API call over HTTPS, straight to a node's Traefik, trusting only the lab CA", async () => {
    await using lab = await connectLab(loadConfig(config, {}));
    const res = await lab.http.send(
      "GET",
      lab.http.url(`app.${lab.config.domain}`, "/health/ready"),
    );
    expect(res.status, res.body).toBe(200);
    const login = await lab.adminHeaders();
    const users = await lab.http.send("GET", lab.http.url(`app.${lab.config.domain}`, "/users"), {
      headers: login,
    });
    expect(users.status, users.body).toBe(200);
  });

  it("a drill (app-replica, crash) under load: nothing acknowledged lost", async () => {
    await using lab = await connectLab(loadConfig(config, {}));
    const run = await appReplicaCrash(lab);
    console.log(`app-replica (KILL) on bare hosts: ${JSON.stringify(run.measures)}`);
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.measures.requests as number).toBeGreaterThan(500);
    expect(run.measures.lostWrites).toBe(0);
  });

  it("lab:down takes the lab off the hosts: no stack container, out of the swarm", async () => {
    const down = await onHosts("down", "--keep-images");
    expect(down.code, `${down.stdout}\n${down.stderr}`).toBe(0);
    expect(down.stdout).toContain(
      "bare-1: the lab's containers and volumes removed, out of the swarm",
    );
    expect(down.stdout).toMatch(/kept .*\/srv\/lab-backups on bare-1/);
    for (const e of engines()) {
      expect((await e.info()).Swarm?.LocalNodeState).toBe("inactive");
      expect(await e.containers.list({ label: ["com.docker.stack.namespace"] }, true)).toEqual([]);
    }
  });
});
