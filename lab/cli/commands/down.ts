/** `lab down`: remove every container, volume and network of the lab (and its images). */
import type { Command } from "commander";
import { archiveNow } from "../../backup/restore.js";
import { loadConfig } from "../../config/load.js";
import type { LabConfig } from "../../config/schema.js";
import { makeDriver } from "../../drivers/index.js";
import { EXIT, LabError } from "../../errors.js";
import { keptVolumes, takeDown } from "../../running/down.js";
import { connectLab } from "../../running/lab.js";
import { canAsk, confirm } from "../../runtime/ask.js";
import { hostEngine, requireEngine } from "../../runtime/docker.js";
import { consoleLog, type Log, stderr, stdout } from "../../runtime/log.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson } from "../print.js";

type Flags = ConfigFlags & { keepImages?: boolean; purge?: boolean; yes?: boolean; output: string };

/** A purge deletes every backup: said first, asked on a terminal, --yes in a script. */
async function confirmPurge(volumes: string[], lab: string, yes: boolean): Promise<void> {
  if (volumes.length === 0 || yes) return;
  const what = `--purge deletes ${volumes.join(", ")}: every backup of lab "${lab}" (the pgBackRest repository); no later lab:up can bring that database back`;
  if (!canAsk()) {
    throw new LabError(
      `${what}, and there is no terminal to ask: nothing was removed`,
      "add --yes to confirm (npm run lab:down -- --purge --yes), or leave out --purge to keep the backups",
      EXIT.usage,
    );
  }
  stderr(what);
  if (!(await confirm("Delete them?"))) {
    throw new LabError(
      "purge not confirmed: nothing was removed",
      "answer y to delete",
      EXIT.usage,
    );
  }
}

/** The repository is kept: the primary's newest WAL goes into it first, so the next up loses no commit. */
async function archiveBeforeDown(config: LabConfig, log: Log): Promise<void> {
  try {
    await using lab = await connectLab(config);
    const at = await archiveNow(lab, log);
    if (at !== null)
      log.info("the backup repository has every commit: the next lab:up restores them");
  } catch (err) {
    log.warn(
      `the newest WAL was not archived (${(err as Error).message}): the next lab:up restores up to the last archived segment`,
    );
  }
}

export function registerDown(program: Command): void {
  withConfigOptions(
    program
      .command("down")
      .description(
        "remove the lab (found by its labels); keeps the backup repository unless --purge; safe to rerun",
      ),
  )
    .option(
      "--keep-images",
      "keep the built images and the lab's registry volume, so the next up is quick",
    )
    .option("--purge", "also delete the backup repository volume, every backup (asks first)")
    .option("--yes", "with --purge: do not ask (scripts, CI)")
    .addOption(outputOption())
    .action(async (flags: Flags) => {
      if (flags.yes && !flags.purge) {
        throw new LabError(
          "--yes only confirms --purge",
          "add --purge, or leave out --yes",
          EXIT.usage,
        );
      }
      const config = loadConfig(flags.config, configInput(flags));
      const host = hostEngine();
      await requireEngine(host);
      const driver = makeDriver(config, host);
      const purge = flags.purge === true;
      if (purge)
        await confirmPurge(
          [...(await keptVolumes(host, config.name)), ...driver.keptOnNodes()],
          config.name,
          flags.yes === true,
        );
      const log = consoleLog(false, flags.output === "json");
      if (!purge && (await driver.list()).some((n) => n.running))
        await archiveBeforeDown(config, log);
      const result = await takeDown(host, driver, config.name, {
        keepImages: flags.keepImages === true,
        purge,
      });
      if (flags.output === "json") return printJson(result);
      for (const line of result.nodes) stdout(line);
      stdout(
        `removed ${result.containers.length} containers, ${result.volumes.length} volumes, ` +
          `${result.networks.length} networks, ${result.images.length} images` +
          (flags.keepImages
            ? ` (images kept${result.keptImages.length > 0 ? `, and the registry volume ${result.keptImages.join(", ")}` : ""})`
            : "") +
          (result.kept.length > 0
            ? `\nkept ${result.kept.join(", ")} (the backups: the next lab:up restores the database from it; --purge deletes it)`
            : "") +
          (result.imagesInUse.length > 0
            ? `\nkept ${result.imagesInUse.length} images still in use: ${result.imagesInUse.join("; ")} (stop what uses them, for the class registry npm run lab -- images serve --stop, then run lab:down again)`
            : ""),
      );
    });
}
