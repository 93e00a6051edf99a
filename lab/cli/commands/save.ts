/** `lab save <file>` and `lab load <file>`: the lab's state and data volumes, to a file and back. */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { importVolumes, installState, openArchive, saveLab } from "../../archive/save.js";
import { humanBytes } from "../../backup/plan.js";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../../config/load.js";
import { makeDriver } from "../../drivers/index.js";
import { EXIT, LabError } from "../../errors.js";
import { connectLab } from "../../running/lab.js";
import { hostEngine, requireEngine } from "../../runtime/docker.js";
import { consoleLog, stdout } from "../../runtime/log.js";
import { UP_STEPS } from "../../steps/index.js";
import { runSteps } from "../../steps/run.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson } from "../print.js";

type Flags = ConfigFlags & { output: string };

export function registerSave(program: Command): void {
  withConfigOptions(
    program
      .command("save")
      .argument("<file>", "archive to write (.tar.gz)")
      .description("archive the lab's CA, secrets, config and Prometheus data to a file"),
  )
    .option("--force", "overwrite the file if it exists")
    .addOption(outputOption())
    .action(async (file: string, flags: Flags & { force?: boolean }) => {
      if (existsSync(file) && !flags.force) {
        throw new LabError(
          `${file} exists`,
          "choose another name, or add --force to overwrite it",
          EXIT.usage,
        );
      }
      // Checked before Prometheus is stopped for the copy.
      if (!existsSync(dirname(resolve(file)))) {
        throw new LabError(
          `the folder of ${file} does not exist`,
          "create it, or give another path",
          EXIT.usage,
        );
      }
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const saved = await saveLab(lab, file, consoleLog(false, flags.output === "json"));
      if (flags.output === "json") return printJson(saved);
      stdout(
        `saved ${saved.file} (${humanBytes(saved.bytes)}): state ${saved.state.join(", ")}, volumes ${saved.volumes.join(", ") || "none"}` +
          `${saved.config ? `, ${saved.config}` : ""}\nit holds the lab CA's key and every password: keep it private`,
      );
    });

  withConfigOptions(
    program
      .command("load")
      .argument("<file>", "archive written by lab save")
      .description("bring up a fresh lab with the state and data of an archive"),
  )
    .addOption(outputOption())
    .action(async (file: string, flags: Flags) => {
      let config = loadConfig(flags.config, configInput(flags));
      const { dir, manifest } = await openArchive(file, config.name);
      try {
        const host = hostEngine();
        await requireEngine(host);
        const driver = makeDriver(config, host);
        if ((await driver.list()).length > 0) {
          throw new LabError(
            `lab "${config.name}" exists: loading replaces its CA and secrets, which its database and services use`,
            "save what you need, then npm run lab:down, then load again (the load brings up a fresh lab)",
            EXIT.usage,
          );
        }
        const log = consoleLog(false, flags.output === "json");
        if (manifest.config && !flags.config) {
          const saved = readFileSync(join(dir, "config", DEFAULT_CONFIG_FILE), "utf8");
          if (!existsSync(DEFAULT_CONFIG_FILE)) {
            writeFileSync(DEFAULT_CONFIG_FILE, saved);
            config = loadConfig(undefined, configInput(flags));
          } else if (readFileSync(DEFAULT_CONFIG_FILE, "utf8") !== saved) {
            log.warn(`${DEFAULT_CONFIG_FILE} differs from the archive's: keeping yours`);
          }
        }
        const kept = installState(dir);
        if (kept) log.info(`the previous state folder is kept as ${kept}`);
        await runSteps(UP_STEPS, { config, log, host, driver }, flags.output === "json");
        await using lab = await connectLab(config);
        const volumes = await importVolumes(lab, dir, manifest, log);
        const result = { file, savedAt: manifest.createdAt, volumes, previousState: kept };
        if (flags.output === "json") return printJson(result);
        stdout(
          `loaded ${file} (saved ${manifest.createdAt}): the lab is up with its CA and secrets; volumes ${volumes.join(", ") || "none"}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
