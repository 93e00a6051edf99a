/**
 * `lab images`: what an image set is made of, and the build contexts made ready (the app's
 * wheels, the compiled binaries) for a build outside the lab, such as the release workflow's.
 */

import { type Command, Option } from "commander";
import { buildPlatform } from "../../images/arch.js";
import { enginePlatform, prepareContext } from "../../images/build.js";
import { type ImageSet, planImages } from "../../images/plan.js";
import { hostEngine } from "../../runtime/docker.js";
import { stdout } from "../../runtime/log.js";
import { outputOption, printJson, table } from "../print.js";

const setOption = () =>
  new Option("--images <set>", "image set").choices(["official", "offline"]).default("official");

export function registerImages(program: Command): void {
  const images = program
    .command("images")
    .description("list an image set, or make its build contexts ready");
  images
    .command("list")
    .description("the images of a set: reference, built from (folder) or pulled, build arguments")
    .addOption(setOption())
    .addOption(outputOption())
    .action((flags: { images: ImageSet; output: string }) => {
      const plan = planImages(flags.images);
      if (flags.output === "json") return printJson(plan);
      stdout(
        table(
          ["image", "reference", "source", "build arguments"],
          plan.map((i) => [
            i.key,
            i.ref,
            i.source.kind === "build" ? `build ${i.source.context}` : "pull",
            i.source.kind === "build"
              ? Object.entries(i.source.args)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")
              : "",
          ]),
        ),
      );
    });
  images
    .command("prepare")
    .description("make each build context of a set ready (wheels, compiled binaries)")
    .addOption(setOption())
    .addOption(
      new Option(
        "--arch <arch>",
        "the architecture to prepare for (default: the host engine's)",
      ).choices(["amd64", "arm64"]),
    )
    .action(async (flags: { images: ImageSet; arch?: "amd64" | "arm64" }) => {
      const platform = flags.arch ? buildPlatform(flags.arch) : await enginePlatform(hostEngine());
      for (const spec of planImages(flags.images)) {
        if (spec.source.kind !== "build" || !spec.source.prepare) continue;
        const made = await prepareContext(spec.source.prepare, platform);
        stdout(`${spec.key}: ${spec.source.context} ${made ? "prepared" : "already ready"}`);
      }
    });
}
