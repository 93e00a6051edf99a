/** `up --dry-run`: the plan `up` would apply, computed by the same `planLab`, changing nothing. */

import type { LabConfig } from "../../config/schema.js";
import type { ImageSet } from "../../images/plan.js";
import { type LabPlan, planLab } from "../../plan/lab.js";
import { stackToYaml } from "../../plan/stack.js";
import { stdout } from "../../runtime/log.js";
import { gatherFacts, resolveIfPresent } from "../../steps/facts.js";
import { type OutputFormat, printJson, table } from "../print.js";

/** Images are named by the set's tags: their content tags exist once `up` has made them. */
export function dryRunPlan(config: LabConfig): LabPlan {
  const auto = config.images === "auto";
  const set: ImageSet = config.images === "auto" ? "offline" : config.images;
  const reason = auto ? "auto: decided at run time" : "asked for with --images";
  return planLab(config, gatherFacts(set, reason, {}, resolveIfPresent));
}

export function printPlan(plan: LabPlan, format: OutputFormat): void {
  if (format === "json") {
    printJson(plan);
    return;
  }
  stdout(`image set: ${plan.imageSet} (${plan.imageReason})`);
  stdout(
    table(
      ["image", "source", "nodes pull"],
      plan.images.map((i) => [i.ref, i.source.kind, i.inStack ? i.served : "-"]),
    ),
  );
  stdout(
    table(
      ["node", "labels"],
      plan.nodes.map((n) => [n.name, JSON.stringify(n.swarmLabels)]),
    ),
  );
  stdout(
    plan.entry === "edge"
      ? `entry point: ${plan.edge.name} on ${plan.edge.portsLabel} (${plan.edge.image})`
      : "entry point: Traefik on each node's 80/443",
  );
  stdout(`backups: ${plan.backup.volume} on ${plan.backup.node}:${plan.backup.nodePath}`);
  stdout(stackToYaml(plan.stack.doc));
}
