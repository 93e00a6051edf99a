/**
 * Three "bare hosts" (Debian, sshd, Python, no Docker) on this machine's engine, for proving the
 * provisioning play on the same path a cloud or Vagrant VM takes. A developer's tool:
 *   npx tsx scripts/provision/bare-hosts.ts up      # image, hosts, SSH key, certificates, inventory
 *   npx tsx scripts/provision/bare-hosts.ts play    # the play, timed (run it twice: idempotence)
 *   npx tsx scripts/provision/bare-hosts.ts down
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { nodeHostConfig } from "../../lab/drivers/dind/flags.js";
import { BASE_IMAGE } from "../../lab/images/plan.js";
import { placements } from "../../lab/plan/nodes.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { REPO_ROOT, stateDir } from "../../lab/state/paths.js";
import { issueNodeCert } from "../../lab/state/tls.js";

const IMAGE = "swarm-lab/bare-host:test";
const NETWORK = "bare-net";
const HOSTS = ["bare-1", "bare-2", "bare-3"];
const dir = join(stateDir(), "hosts");
const key = join(dir, "id_ed25519");
const docker = hostDocker();

async function up(): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  execFileSync(
    "docker",
    ["build", "-q", "-t", IMAGE, "--build-arg", `BASE=${BASE_IMAGE}`, "images/bare-host"],
    { cwd: REPO_ROOT, stdio: "inherit" },
  );
  if (!existsSync(key)) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  const nets = await docker.listNetworks({ filters: { name: [NETWORK] } });
  if (!nets.some((n) => n.Name === NETWORK)) await docker.createNetwork({ Name: NETWORK });
  const where = placements(HOSTS.length);
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const [k, name] of HOSTS.entries()) {
    await docker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch(() => {});
    const c = await docker.createContainer({
      name,
      Hostname: name,
      Image: IMAGE,
      Env: [`AUTHORIZED_KEY=${readFileSync(`${key}.pub`, "utf8").trim()}`],
      HostConfig: { ...nodeHostConfig(false, `${name}-docker`, NETWORK), Tmpfs: {} },
    });
    await c.start();
    const address = (await c.inspect()).NetworkSettings.Networks[NETWORK]?.IPAddress ?? "";
    const tls = await issueNodeCert(address);
    mkdirSync(join(dir, name), { recursive: true, mode: 0o700 });
    for (const [file, text] of Object.entries({
      "ca.pem": tls.ca,
      "server.pem": tls.cert,
      "server-key.pem": tls.key,
    }))
      writeFileSync(join(dir, name, file), text, { mode: 0o600 });
    hosts[name] = {
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
        docker_engine_tls_source: dir,
      },
      children: {
        swarm_nodes: { hosts },
        entry: { hosts: Object.fromEntries(HOSTS.map((h) => [h, null])) },
      },
    },
  };
  writeFileSync(join(dir, "inventory.yml"), stringify(inventory));
  console.log(`inventory: ${join(dir, "inventory.yml")}`);
}

function play(): void {
  const started = performance.now();
  execFileSync(
    join(REPO_ROOT, ".venv-ansible/bin/ansible-playbook"),
    ["-i", join(dir, "inventory.yml"), "playbook.yml"],
    {
      cwd: join(REPO_ROOT, "scripts/provision"),
      stdio: "inherit",
      env: { ...process.env, ANSIBLE_CONFIG: "ansible.cfg" },
    },
  );
  console.log(`play took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function down(): Promise<void> {
  for (const name of HOSTS) {
    await docker
      .getContainer(name)
      .remove({ force: true, v: true })
      .catch(() => {});
    await docker
      .getVolume(`${name}-docker`)
      .remove()
      .catch(() => {});
  }
  await docker
    .getNetwork(NETWORK)
    .remove()
    .catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

const what = process.argv[2];
if (what === "up") await up();
else if (what === "play") play();
else if (what === "down") await down();
else {
  console.error("usage: bare-hosts.ts up|play|down");
  process.exit(2);
}
