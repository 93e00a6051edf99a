/** Flags shared by commands, turned into config input (flags win over the config file). */
import { type Command, InvalidArgumentError, Option } from "commander";

export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return Number(value);
}

export function withConfigOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "config file (default: swarm-lab.yaml when present)")
    .option("--name <name>", "lab name, prefix of every resource (default: lab)")
    .addOption(new Option("--images <set>", "image set").choices(["official", "offline", "auto"]))
    .addOption(
      new Option("--driver <driver>", "what a node is").choices(["dind", "ssh", "vagrant"]),
    )
    .option("--inventory <file>", "driver ssh: Ansible inventory of the hosts")
    .addOption(
      new Option("--provider <name>", "driver vagrant: hypervisor").choices([
        "virtualbox",
        "libvirt",
      ]),
    )
    .option("--domain <domain>", "domain of every URL (default: lab.localhost)")
    .option("--nodes <n>", "number of Swarm managers (default: 3)", integer)
    .option("--replicas <n>", "app replicas (default: 3)", integer)
    .option("--bind <address>", "host address of the entry point (default: 127.0.0.1)")
    .option("--https-port <port>", "host port for HTTPS (default: 443)", integer)
    .option("--http-port <port>", "host port for HTTP (default: 80)", integer);
}

export interface ConfigFlags {
  config?: string;
  name?: string;
  images?: string;
  driver?: string;
  inventory?: string;
  provider?: string;
  domain?: string;
  nodes?: number;
  replicas?: number;
  bind?: string;
  httpsPort?: number;
  httpPort?: number;
}

export function configInput(f: ConfigFlags): Record<string, unknown> {
  return {
    name: f.name,
    images: f.images,
    driver: f.driver,
    inventory: f.inventory,
    provider: f.provider,
    domain: f.domain,
    nodes: f.nodes,
    bind: f.bind,
    ports:
      f.httpsPort !== undefined || f.httpPort !== undefined
        ? { https: f.httpsPort, http: f.httpPort }
        : undefined,
    app: f.replicas !== undefined ? { replicas: f.replicas } : undefined,
  };
}
