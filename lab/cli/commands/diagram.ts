/** `lab diagram`: the architecture drawn from the plan `up` deploys (Graphviz: SVG and PNG). */

import { existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { loadConfig } from "../../config/load.js";
import { missingFromDiagram, type StackDoc, stackDiagram } from "../../diagram/dot.js";
import { EXIT, LabError } from "../../errors.js";
import type { ImageSet } from "../../images/plan.js";
import { planLab } from "../../plan/lab.js";
import { has, run } from "../../runtime/exec.js";
import { stdout } from "../../runtime/log.js";
import { gatherFacts, resolveIfPresent } from "../../steps/facts.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";

/** Pure: the diagram of a configuration and image set. */
export function diagramOf(flags: ConfigFlags, set: ImageSet): { dot: string; doc: StackDoc } {
  const config = loadConfig(flags.config, configInput(flags));
  const plan = planLab(config, gatherFacts(set, "drawn", {}, resolveIfPresent));
  const doc = plan.stack.doc as StackDoc;
  const title = `swarm-lab "${config.name}": ${config.nodes} nodes, ${set} image set, *.${config.domain}`;
  return { dot: stackDiagram(doc, plan.nodes, title), doc };
}

/** The diagram's Graphviz source, refused when it lacks a part of the stack or Graphviz is missing. */
export async function checkedDiagram(flags: ConfigFlags, set: ImageSet): Promise<string> {
  const { dot, doc } = diagramOf(flags, set);
  const missing = missingFromDiagram(doc, dot);
  if (missing.length > 0) throw new LabError(`the diagram lacks ${missing.join(", ")}`);
  if (!(await has("dot"))) {
    throw new LabError("Graphviz is not installed", "apt-get install -y graphviz", EXIT.usage);
  }
  return dot;
}

/** Refuses an output path whose folder does not exist (before anything is drawn). */
export function outputIn(path: string, flag: string, example: string): string {
  const out = resolve(path);
  if (!existsSync(dirname(out))) {
    throw new LabError(
      `${flag} ${path}: the folder ${dirname(out)} does not exist`,
      `give a path in an existing folder, e.g. ${flag} ${example}`,
      EXIT.usage,
    );
  }
  return out;
}

export function registerDiagram(program: Command): void {
  withConfigOptions(
    program.command("diagram").description("draw the lab's architecture from its plan (SVG, PNG)"),
  )
    .option("--out <path>", "file name without extension", "docs/architecture")
    .addOption(
      new Option("--set <set>", "image set to draw")
        .choices(["offline", "official"])
        .default("offline"),
    )
    .action(async (flags: ConfigFlags & { out: string; set: ImageSet }) => {
      const dot = await checkedDiagram(flags, flags.set);
      const out = outputIn(flags.out, "--out", "docs/architecture");
      try {
        writeFileSync(`${out}.dot`, dot);
      } catch (err) {
        throw new LabError(
          `cannot write ${out}.dot: ${(err as Error).message}`,
          undefined,
          EXIT.usage,
        );
      }
      for (const format of ["svg", "png"]) {
        await run("dot", [`-T${format}`, "-Gdpi=110", `${out}.dot`, "-o", `${out}.${format}`]);
      }
      stdout(`${out}.dot, ${out}.svg, ${out}.png`);
    });
}
