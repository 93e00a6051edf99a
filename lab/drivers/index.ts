/** The node driver a configuration asks for. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { LabConfig } from "../config/schema.js";
import { EXIT, LabError } from "../errors.js";
import { planNetwork } from "../plan/nodes.js";
import type { Engine } from "../runtime/docker.js";
import { REPO_ROOT, stateDir } from "../state/paths.js";
import { engineClientTls, issueNodeCert, writeHostCert } from "../state/tls.js";
import { DindDriver } from "./dind/driver.js";
import { SshDriver } from "./ssh/driver.js";
import { type InventoryHost, readInventory } from "./ssh/inventory.js";
import type { NodeDriver } from "./types.js";
import { VagrantDriver } from "./vagrant/driver.js";

function clientTls() {
  try {
    return engineClientTls();
  } catch {
    throw new LabError(
      "the node engines' client certificate is missing from the state folder",
      "run npm run lab:up once (it creates .lab/engine/)",
      EXIT.notRunning,
    );
  }
}

/** Where ssh keeps the hosts' keys it has seen (first use trusted, a changed key refused). */
function knownHosts(): string {
  const dir = join(stateDir(), "hosts");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, "known_hosts");
}

/** The inventory's hosts, read once, when first needed. */
function inventoryOf(file: string): () => InventoryHost[] {
  let hosts: InventoryHost[] | undefined;
  return () => {
    if (hosts) return hosts;
    const path = resolve(file);
    if (!existsSync(path))
      throw new LabError(
        `the inventory ${path} (driver ssh) does not exist`,
        "give the inventory the provisioning play ran on: inventory: in swarm-lab.yaml, or --inventory <file>",
        EXIT.usage,
      );
    hosts = readInventory(path, readFileSync(path, "utf8"));
    return hosts;
  };
}

export function makeDriver(config: LabConfig, host: Engine): NodeDriver {
  if (config.driver === "ssh") {
    return new SshDriver(config.name, {
      hosts: inventoryOf(config.inventory ?? ""),
      source: config.inventory ?? "",
      knownHosts: knownHosts(),
      tls: clientTls,
    });
  }
  if (config.driver === "vagrant") {
    return new VagrantDriver({
      lab: config.name,
      nodes: config.nodes,
      provider: config.provider,
      cwd: REPO_ROOT,
      network: process.env.LAB_NETWORK ?? "192.168.56",
      knownHosts: knownHosts(),
      tls: clientTls,
      // The play reads each VM's engine certificate from .lab/hosts/<vm>/ (docker_engine_tls_source).
      certify: (name, address) => writeHostCert(address, join(stateDir(), "hosts", name)),
    });
  }
  return new DindDriver(host, config.name, planNetwork(config), {
    client: clientTls,
    issue: (address) => issueNodeCert(address),
  });
}
