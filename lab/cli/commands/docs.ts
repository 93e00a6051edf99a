/** `lab docs-pdf`: the specification (Markdown) as a PDF, with the diagram drawn from the plan. */

import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { markdownToHtml, svgDataUri } from "../../docs/html.js";
import { EXIT, LabError } from "../../errors.js";
import type { ImageSet } from "../../images/plan.js";
import { run } from "../../runtime/exec.js";
import { stdout } from "../../runtime/log.js";
import { printPdf } from "../../runtime/pdf.js";
import { type ConfigFlags, withConfigOptions } from "../options.js";
import { checkedDiagram, outputIn } from "./diagram.js";

interface DocsFlags extends ConfigFlags {
  in: string;
  out: string;
  set: ImageSet;
}

export function registerDocs(program: Command): void {
  withConfigOptions(
    program
      .command("docs-pdf")
      .description("build the specification into a PDF, with the architecture drawn from the plan"),
  )
    .option("--in <file>", "the Markdown source", "docs/specification.md")
    .option("--out <file>", "the PDF to write", "docs/specification.pdf")
    .addOption(
      new Option("--set <set>", "image set to draw")
        .choices(["offline", "official"])
        .default("offline"),
    )
    .action(async (flags: DocsFlags) => {
      let markdown: string;
      try {
        markdown = readFileSync(flags.in, "utf8");
      } catch (err) {
        throw new LabError(
          `cannot read ${flags.in}: ${(err as Error).message}`,
          "give the Markdown file with --in",
          EXIT.usage,
        );
      }
      const out = outputIn(flags.out, "--out", "docs/specification.pdf");
      const dot = await checkedDiagram(flags, flags.set);
      const svg = await run("dot", ["-Tsvg"], { input: dot });
      const page = markdownToHtml(markdown, "swarm-lab specification", {
        "architecture.svg": svgDataUri(svg),
      });
      if (page.missingImages.length > 0)
        throw new LabError(
          `${flags.in} refers to images the build does not provide: ${page.missingImages.join(", ")}`,
          "the specification can embed architecture.svg (drawn from the plan) only",
          EXIT.usage,
        );
      await printPdf(page.html, out, "swarm-lab specification");
      stdout(`${out}: ${page.headings.length} headings, diagram of the ${flags.set} set`);
    });
}
