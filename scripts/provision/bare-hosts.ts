/**
 * Three "bare hosts" (Debian, sshd, Python, no Docker) on this machine's engine, for proving the
 * provisioning play on the path a cloud or Vagrant VM takes. A developer's tool, and what
 * `npm run test:hosts` starts:
 *   npx tsx scripts/provision/bare-hosts.ts up      # image, hosts, SSH key, certificates, inventory
 *   npx tsx scripts/provision/bare-hosts.ts play    # the play, timed (run it twice: idempotence)
 *   npx tsx scripts/provision/bare-hosts.ts down    # removes the three hosts, their disks, .lab/hosts
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { nodeHostConfig } from "../../lab/drivers/dind/flags.js";
import { importDebianBase } from "../../lab/images/base.js";
import { enginePlatform, imageExists } from "../../lab/images/build.js";
import { BASE_IMAGE, IMAGE_LABEL } from "../../lab/images/plan.js";
import { placements } from "../../lab/plan/nodes.js";
import { hostDocker, hostEngine } from "../../lab/runtime/docker.js";
import { REPO_ROOT, stateDir } from "../../lab/state/paths.js";
import { ensureCertificates, writeHostCert } from "../../lab/state/tls.js";

const execFileAsync = promisify(execFile);

export const BARE_HOSTS = ["bare-1", "bare-2", "bare-3"];
const IMAGE = "swarm-lab/bare-host:test";
const NETWORK = "bare-net";
export const HOSTS_DIR = join(stateDir(), "hosts");
export const INVENTORY = join(HOSTS_DIR, "inventory.yml");
const key = join(HOSTS_DIR, "id_ed25519");
const docker = hostDocker();

export interface BareHost {
  name: string;
  address: string;
}

/** Starts the three hosts (again, from scratch) and writes the inventory the play reads. */
export async function bareHostsUp(): Promise<BareHost[]> {
  mkdirSync(HOSTS_DIR, { recursive: true, mode: 0o700 });
  await ensureCertificates("lab", "lab.localhost");
  // The lab's own Debian base (debootstrap), made when missing, as `lab:up` makes it.
  if (!(await imageExists(hostEngine(), BASE_IMAGE)))
    await importDebianBase(
      BASE_IMAGE,
      { [IMAGE_LABEL]: "base" },
      await enginePlatform(hostEngine()),
    );
  await execFileAsync(
    "docker",
    ["build", "-q", "-t", IMAGE, "--build-arg", `BASE=${BASE_IMAGE}`, "images/bare-host"],
    { cwd: REPO_ROOT },
  );
  if (!existsSync(key)) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  // New hosts, new host keys: the ssh driver's known_hosts (trust on first use) starts over.
  rmSync(join(HOSTS_DIR, "known_hosts"), { force: true });
  const nets = await docker.listNetworks({ filters: { name: [NETWORK] } });
  if (!nets.some((n) => n.Name === NETWORK)) await docker.createNetwork({ Name: NETWORK });
  const gateway: string | undefined = (await docker.getNetwork(NETWORK).inspect()).IPAM?.Config?.[0]
    ?.Gateway;
  if (!gateway) throw new Error(`network ${NETWORK} has no gateway`);
  const where = placements(BARE_HOSTS.length);
  const hosts: BareHost[] = [];
  const vars: Record<string, Record<string, unknown>> = {};
  for (const [k, name] of BARE_HOSTS.entries()) {
    await removeHost(name);
    const c = await docker.createContainer({
      name,
      Hostname: name,
      Image: IMAGE,
      Env: [`AUTHORIZED_KEY=${readFileSync(`${key}.pub`, "utf8").trim()}`],
      HostConfig: {
        ...nodeHostConfig(false, `${name}-docker`, NETWORK),
        Tmpfs: {},
      },
    });
    await c.start();
    const address = (await c.inspect()).NetworkSettings.Networks[NETWORK]?.IPAddress ?? "";
    await writeHostCert(address, join(HOSTS_DIR, name));
    hosts.push({ name, address });
    vars[name] = {
      ansible_host: address,
      private_address: address,
      swarm_labels: Object.fromEntries(
        Object.entries(where)
          .filter(([, node]) => node === k + 1)
          .map(([label]) => [label, "true"]),
      ),
    };
  }
  const inventory = {
    all: {
      vars: {
        ansible_user: "lab",
        ansible_become: true,
        ansible_ssh_private_key_file: key,
        docker_engine_tls_source: HOSTS_DIR,
        // This machine, as the hosts see it: the only one that may reach SSH and the engines.
        firewall_admin_cidr: `${gateway}/32`,
      },
      children: {
        swarm_nodes: { hosts: vars },
        entry: { hosts: Object.fromEntries(BARE_HOSTS.map((h) => [h, null])) },
      },
    },
  };
  writeFileSync(INVENTORY, stringify(inventory));
  return hosts;
}

export interface PlayRun {
  status: number | null;
  seconds: number;
  output: string;
  /** PLAY RECAP per host: ok, changed, unreachable, failed, ... */
  recap: Record<string, Record<string, number>>;
}

/**
 * Runs the provisioning play on `inventory` (with ansible-playbook's `extra` arguments), timed.
 * Asynchronous: a play takes a minute, during which a test runner's worker must keep answering.
 */
export function runPlay(inventory = INVENTORY, extra: string[] = []): Promise<PlayRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      join(REPO_ROOT, ".venv-ansible/bin/ansible-playbook"),
      ["-i", inventory, ...extra, "playbook.yml"],
      {
        cwd: join(REPO_ROOT, "scripts/provision"),
        timeout: 900_000,
        env: { ...process.env, ANSIBLE_CONFIG: "ansible.cfg", NO_COLOR: "1" },
      },
    );
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", reject);
    child.on("close", (status) =>
      resolve({
        status,
        seconds: (performance.now() - started) / 1000,
        output,
        recap: recapOf(output),
      }),
    );
  });
}

/** Pure: the PLAY RECAP lines of ansible-playbook's output, per host. */
export function recapOf(output: string): Record<string, Record<string, number>> {
  const recap: Record<string, Record<string, number>> = {};
  const tail = output.slice(output.lastIndexOf("PLAY RECAP"));
  for (const [, host, counts] of tail.matchAll(/^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$/gm)) {
    if (!host || !counts) continue;
    recap[host] = Object.fromEntries(
      [...counts.matchAll(/(\w+)=(\d+)/g)].map(([, k, v]) => [k, Number(v)]),
    );
  }
  return recap;
}

async function removeHost(name: string): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true, v: true })
    .catch(() => {});
  await docker
    .getVolume(`${name}-docker`)
    .remove()
    .catch(() => {});
}

/** Removes the three hosts, their engines' disks, their network and .lab/hosts. */
export async function bareHostsDown(): Promise<void> {
  for (const name of BARE_HOSTS) await removeHost(name);
  await docker
    .getNetwork(NETWORK)
    .remove()
    .catch(() => {});
  rmSync(HOSTS_DIR, { recursive: true, force: true });
}

async function main(what: string | undefined): Promise<number> {
  if (what === "up") {
    for (const h of await bareHostsUp()) console.log(`${h.name} ${h.address}`);
    console.log(`inventory: ${INVENTORY}`);
  } else if (what === "play") {
    const run = await runPlay();
    console.log(run.output);
    console.log(`play took ${run.seconds.toFixed(1)} s`);
    return run.status ?? 1;
  } else if (what === "down") {
    console.log(`removing ${BARE_HOSTS.join(", ")}, their disks, network ${NETWORK}, ${HOSTS_DIR}`);
    await bareHostsDown();
  } else {
    console.error("usage: bare-hosts.ts up|play|down");
    return 2;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  process.exitCode = await main(process.argv[2]);
