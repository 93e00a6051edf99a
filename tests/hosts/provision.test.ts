/**
 * The provisioning play for real, on three bare hosts (Debian containers with sshd and Python, no
 * Docker): over SSH it installs the engine with its API on mutual TLS, the firewall, the swarm and
 * its labels; a second run changes nothing. `npm run test:hosts` (minutes: it installs Docker on
 * three hosts from the Debian mirror). The same play a Vagrant VM or a cloud instance gets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine, tlsEngine } from "../../lab/runtime/docker.js";
import { engineClientTls } from "../../lab/state/tls.js";
import {
  type BareHost,
  bareHostsDown,
  bareHostsUp,
  type PlayRun,
  runPlay,
} from "../../scripts/provision/bare-hosts.js";

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

describe("the provisioning play on three bare hosts", () => {
  it("provisions them: engines over mutual TLS, one swarm of three managers, the labels", async () => {
    const run = runPlay();
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
  });

  it("a second run changes nothing", () => {
    const run = runPlay();
    runs.push(run);
    expect(run.status, failedRun(run)).toBe(0);
    for (const [host, r] of Object.entries(run.recap)) expect(r.changed, host).toBe(0);
  });
});
