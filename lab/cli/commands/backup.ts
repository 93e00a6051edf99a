/** `lab backup`, `lab backups`, `lab restore`: pgBackRest through the backup service. */
import { type Command, Option } from "commander";
import { listBackups, takeBackup } from "../../backup/commands.js";
import {
  type BackupSet,
  humanAge,
  humanBytes,
  iso,
  parseTargetTime,
  type RestoreTarget,
} from "../../backup/plan.js";
import { planRestore, restoreCluster } from "../../backup/restore.js";
import { loadConfig } from "../../config/load.js";
import { EXIT, LabError } from "../../errors.js";
import { connectLab } from "../../running/lab.js";
import { consoleLog, stdout } from "../../runtime/log.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

type Output = { output: string };

export function registerBackup(program: Command): void {
  withConfigOptions(program.command("backup").description("take a database backup now"))
    .addOption(
      new Option("--type <type>", "full, diff (changes since the last full) or incr")
        .choices(["full", "diff", "incr"])
        .default("full"),
    )
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & Output & { type: BackupSet["type"] }) => {
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const made = await takeBackup(lab, flags.type, consoleLog(false, flags.output === "json"));
      if (flags.output === "json") return printJson(made);
      stdout(
        `backup ${made.label} (${made.type}) done in ${made.stop - made.start} s: ` +
          `${humanBytes(made.repoBytes)} added to the repository, database ${humanBytes(made.databaseBytes)}`,
      );
    });

  withConfigOptions(program.command("backups").description("list the backups, with age and size"))
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & Output) => {
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const listing = await listBackups(lab);
      if (flags.output === "json") return printJson(listing);
      stdout(
        table(
          ["backup", "type", "ended", "age", "took", "repository size", "database size"],
          listing.backups.map((b) => [
            b.label,
            b.type,
            b.stopIso,
            humanAge(b.ageS),
            `${b.durationS} s`,
            humanBytes(b.repoBytes),
            humanBytes(b.databaseBytes),
          ]),
        ),
      );
      if (listing.backups.length === 0) stdout("no backup yet: npm run lab:backup takes one");
      stdout(
        `repository on ${listing.node}: ${humanBytes(listing.repositoryBytes)} used, ` +
          `${humanBytes(listing.freeBytes)} free; newest archived WAL: ${listing.lastArchivedAt ?? "none"}`,
      );
    });

  withConfigOptions(
    program
      .command("restore")
      .description(
        "replace the database with a restored one: the latest archived state, or a point in time",
      ),
  )
    .option("--latest", "restore everything the repository holds (backup + all archived WAL)")
    .option("--to <time>", 'point in time, ISO 8601, e.g. "2026-11-25T10:30:00Z" (no zone: UTC)')
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & Output & { latest?: boolean; to?: string }) => {
      if (Boolean(flags.latest) === Boolean(flags.to)) {
        throw new LabError(
          "restore needs exactly one of --latest or --to <time>",
          'npm run lab:restore -- --latest, or npm run lab:restore -- --to "2026-11-25T10:30:00Z"',
          EXIT.usage,
        );
      }
      const target: RestoreTarget = flags.to
        ? { kind: "time", at: parseTargetTime(flags.to) }
        : { kind: "latest" };
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const log = consoleLog(false, flags.output === "json");
      const plan = await planRestore(lab, target, log, { archiveFirst: true });
      log.info(
        `recoverable window: ${iso(plan.window.from)} .. ${iso(plan.window.to)}; the current database will be replaced`,
      );
      const result = await restoreCluster(lab, target, plan, log);
      if (flags.output === "json") return printJson(result);
      stdout(
        `restored ${result.target} from ${result.backup}: primary back after ${result.primaryRestoredS} s, ` +
          `replica after ${result.replicaRebuiltS ?? "-"} s, new full backup after ${result.newFullBackupS ?? "-"} s`,
      );
    });
}
