/** `lab down`: remove every container, volume and network of the lab (and its images). */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { takeDown } from "../../core/down.js";
import { makeDriver } from "../../core/running.js";
import { hostEngine, requireEngine } from "../../runtime/docker.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson } from "../print.js";

export function registerDown(program: Command): void {
  withConfigOptions(
    program.command("down").description("remove the lab (found by its labels); safe to rerun"),
  )
    .option("--keep-images", "keep the built images, so the next up is quick")
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & { keepImages?: boolean; output: string }) => {
      const config = loadConfig(flags.config, configInput(flags));
      const host = hostEngine();
      await requireEngine(host);
      const result = await takeDown(
        host,
        makeDriver(config, host),
        config.name,
        flags.keepImages === true,
      );
      if (flags.output === "json") return printJson(result);
      console.log(
        `removed ${result.containers.length} containers, ${result.volumes.length} volumes, ` +
          `${result.networks.length} networks, ${result.images.length} images` +
          (flags.keepImages ? " (images kept)" : ""),
      );
    });
}
