/**
 * Pure: the whole lab `up` builds, computed once from the configuration and the facts gathered
 * before it (image set, the references of the made images, the templates' texts). Every step of
 * `up` reads this object; `up --dry-run` prints it (`-o json`: as it is).
 */
import type { LabConfig } from "../config/schema.js";
import { EXIT, LabError } from "../errors.js";
import { type ImageKey, type ImageSet, type ImageSpec, planImages } from "../images/plan.js";
import { planAlertmanager, withReceiverSecrets } from "./alertmanager.js";
import { type EdgeBackend, renderEdgeConfig } from "./edge.js";
import { labels, names } from "./names.js";
import {
  BACKUP_NODE_PATH,
  type NetworkSpec,
  type NodeSpec,
  planNetwork,
  planNodes,
} from "./nodes.js";
import { planRegistry, type RegistryPlan, servedRef } from "./registry.js";
import { type FileResolver, renderStack } from "./stack.js";
import { stackVars } from "./vars.js";

/** What `up` learns before planning: each is read from the machine, none is changed by reading. */
export interface LabFacts {
  imageSet: ImageSet;
  /** why this set (asked for, or what the upstream probe said) */
  imageReason: string;
  /** the host reference of each image made so far (content-tagged); missing: the set's tag */
  made: Partial<Record<ImageKey, string>>;
  /** the stack template, the image set's overlay and Alertmanager's template, as text */
  templates: { stack: string; overlay: string; alertmanager: string };
  /** the lab's state directory (certificates, secrets, generated files) */
  stateDir: string;
  /** the path and content hash of a file the stack mounts (the files are read before planning) */
  resolve: FileResolver;
}

/** An image of the plan: how it is made, the host's reference, and what the nodes pull. */
export interface PlannedImage extends ImageSpec {
  /** the reference the stack names: the lab registry's for stack images, the host's otherwise */
  served: string;
}

export interface EdgePlan {
  name: string;
  image: string;
  bind: string;
  ports: { https: number; http: number };
  /** the label recording the published ports, compared by a rerun */
  portsLabel: string;
  labels: Record<string, string>;
  network: string;
  /** HAProxy's configuration */
  config: string;
}

export interface LabPlan {
  lab: string;
  domain: string;
  imageSet: ImageSet;
  imageReason: string;
  images: PlannedImage[];
  network: NetworkSpec;
  nodes: NodeSpec[];
  registry: RegistryPlan;
  edge: EdgePlan;
  stack: { name: string; doc: Record<string, unknown> };
  alertmanager: { yaml: string };
  backup: { node: string; volume: string; nodePath: string };
}

export function planLabImages(facts: Pick<LabFacts, "imageSet" | "made">, lab: string) {
  return planImages(facts.imageSet).map((spec): PlannedImage => {
    const ref = facts.made[spec.key] ?? spec.ref;
    return { ...spec, ref, served: spec.inStack ? servedRef(lab, ref) : ref };
  });
}

export function planEdge(config: LabConfig, image: string, nodes: NodeSpec[]): EdgePlan {
  const backends: EdgeBackend[] = nodes.map((n) => ({ name: n.name, address: n.name }));
  const portsLabel = `${config.bind}:${config.ports.https}/${config.ports.http}`;
  return {
    name: names.edge(config.name),
    image,
    bind: config.bind,
    ports: { ...config.ports },
    portsLabel,
    labels: { ...labels(config.name, "edge"), "lab.ports": portsLabel },
    network: names.network(config.name),
    config: renderEdgeConfig(backends, config.domain),
  };
}

/** A receiver's secret file that cannot be read is the user's to fix, not a crash. */
function receiverSecret(resolve: FileResolver): FileResolver {
  return (file) => {
    try {
      return resolve(file);
    } catch (err) {
      throw new LabError(
        `alerting.receivers: cannot read the secret file ${file}: ${(err as Error).message}`,
        "create the file or fix its path in swarm-lab.yaml (relative paths start at the repository)",
        EXIT.usage,
      );
    }
  };
}

/** The stack as deployed: the set's overlay merged in, images by their served references. */
export function planStack(config: LabConfig, facts: LabFacts, images: PlannedImage[]) {
  const stack = names.stack(config.name);
  const served = images.map((i) => ({ ...i, ref: i.served }));
  const doc = renderStack(
    [facts.templates.stack, facts.templates.overlay],
    stack,
    stackVars(config, served, facts.stateDir),
    facts.resolve,
  );
  const am = planAlertmanager(facts.templates.alertmanager, config.alerting.receivers);
  return {
    stack: {
      name: stack,
      doc: withReceiverSecrets(doc, am.secrets, stack, receiverSecret(facts.resolve)),
    },
    alertmanager: { yaml: am.yaml },
  };
}

export function planLab(config: LabConfig, facts: LabFacts): LabPlan {
  const images = planLabImages(facts, config.name);
  const image = (key: ImageKey) => {
    const found = images.find((i) => i.key === key);
    if (!found) throw new Error(`internal: image ${key} is not planned`);
    return found.served;
  };
  const nodes = planNodes(config, image("node"));
  const backupNode = nodes.find((n) => n.kept.length > 0) ?? nodes[0];
  return {
    lab: config.name,
    domain: config.domain,
    imageSet: facts.imageSet,
    imageReason: facts.imageReason,
    images,
    network: planNetwork(config),
    nodes,
    registry: planRegistry(config.name),
    edge: planEdge(config, image("edge"), nodes),
    ...planStack(config, facts, images),
    backup: {
      node: backupNode?.name ?? "",
      volume: names.backups(config.name),
      nodePath: BACKUP_NODE_PATH,
    },
  };
}

/** The served reference of one planned image. */
export function planned(plan: Pick<LabPlan, "images">, key: ImageKey): PlannedImage {
  const found = plan.images.find((i) => i.key === key);
  if (!found) throw new Error(`internal: image ${key} is not planned`);
  return found;
}
