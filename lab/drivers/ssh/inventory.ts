/**
 * Pure: the hosts of an Ansible inventory (YAML), as the ssh driver needs them. The same file the
 * provisioning play ran on: group `swarm_nodes` in its order (node 1 first), `entry` for the
 * nodes that take 80/443 (all of them when the group is missing).
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { EXIT, LabError } from "../../errors.js";

export interface InventoryHost {
  /** the inventory's name for it */
  name: string;
  index: number;
  /** where SSH reaches it */
  sshHost: string;
  sshPort: number;
  user?: string;
  keyFile?: string;
  /** the address Swarm advertises and the lab reaches its engine (2376) and Traefik (443) on */
  address: string;
  entry: boolean;
}

type Vars = Record<string, unknown>;
interface Group {
  hosts?: Record<string, Vars | null> | null;
  vars?: Vars | null;
  children?: Record<string, Group | null> | null;
}

function bad(source: string, what: string): LabError {
  return new LabError(
    `inventory ${source} is not usable by the ssh driver: ${what}`,
    "list the hosts under all.children.swarm_nodes.hosts, each with ansible_host and private_address (see scripts/provision/inventory.example.yml)",
    EXIT.usage,
  );
}

/** Every group by name, wherever it is nested, with the vars its parents give it. */
function groups(
  root: Group,
  inherited: Vars = {},
  out = new Map<string, { g: Group; vars: Vars }>(),
) {
  for (const [name, g] of Object.entries(root.children ?? {})) {
    const group = g ?? {};
    const vars = { ...inherited, ...(group.vars ?? {}) };
    out.set(name, { g: group, vars });
    groups(group, vars, out);
  }
  return out;
}

const text = (v: unknown): string | undefined =>
  typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : undefined;

export function readInventory(source: string, content: string): InventoryHost[] {
  let doc: unknown;
  try {
    doc = parse(content);
  } catch (err) {
    throw bad(source, `not valid YAML (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null) throw bad(source, "empty");
  const top = doc as Record<string, Group | null>;
  const all = top.all ?? { children: top as Record<string, Group> };
  const found = groups({ children: { all } });
  const nodes = found.get("swarm_nodes");
  const hosts = Object.entries(nodes?.g.hosts ?? {});
  if (hosts.length === 0) throw bad(source, "no host in group swarm_nodes");
  const entryGroup = found.get("entry");
  const entry = new Set(Object.keys(entryGroup?.g.hosts ?? {}));
  const base = dirname(source);
  return hosts.map(([name, own], k) => {
    const vars = { ...(nodes?.vars ?? {}), ...(own ?? {}) };
    const sshHost = text(vars.ansible_host) ?? name;
    const address = text(vars.private_address) ?? sshHost;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address))
      throw bad(source, `host ${name}: private_address "${address}" is not an IPv4 address`);
    const port = Number(text(vars.ansible_port) ?? 22);
    if (!Number.isInteger(port) || port < 1 || port > 65_535)
      throw bad(source, `host ${name}: ansible_port "${String(vars.ansible_port)}" is not a port`);
    const key = text(vars.ansible_ssh_private_key_file);
    return {
      name,
      index: k + 1,
      sshHost,
      sshPort: port,
      address,
      entry: entryGroup ? entry.has(name) : true,
      ...(text(vars.ansible_user) ? { user: text(vars.ansible_user) } : {}),
      ...(key ? { keyFile: isAbsolute(key) ? key : resolve(base, key) } : {}),
    };
  });
}
