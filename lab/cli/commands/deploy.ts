/** `lab deploy`, `lab rollback`, `lab kpi`: delivery of the app, and its DORA figures. */
import { type Command, Option } from "commander";
import { loadConfig } from "../../config/load.js";
import {
  deployBlueGreen,
  keepWarm,
  refuseWhileWarm,
  retire,
  switchBack,
} from "../../deploy/bluegreen.js";
import { type DeployOptions, runningVersion } from "../../deploy/checks.js";
import { exportKpis, incidents as readIncidents } from "../../deploy/export.js";
import { computeKpis, DEFINITIONS, type Incident } from "../../deploy/kpi.js";
import { type Delivery, deployOptions, imageSetOf, STRATEGIES } from "../../deploy/plan.js";
import { deployRolling } from "../../deploy/rolling.js";
import { buildWorkingTree, givenImage, headCommit, shipToNodes } from "../../deploy/versions.js";
import { requireHealthy } from "../../drills/run.js";
import { EXIT, LabError } from "../../errors.js";
import { parseSince } from "../../logs/query.js";
import { connectLab, type RunningLab } from "../../running/lab.js";
import { consoleLog, type Log, stdout } from "../../runtime/log.js";
import { type Colours, readColours } from "../../state/colours.js";
import { readDeliveries, recordDelivery } from "../../state/deliveries.js";
import { takeOperationLock } from "../../state/lock.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

interface DeployFlags extends ConfigFlags {
  strategy?: string;
  image?: string;
  watch?: number;
  warm?: number;
  retire?: boolean;
  output: string;
}

/** Says what happened and fails (exit 1) unless the new version runs. */
function finish(d: Delivery, json: boolean): void {
  if (json) printJson(d);
  else if (d.result === "succeeded")
    stdout(
      `${d.kind === "rollback" ? "rolled back" : "deployed"}: ${d.version} runs on every task (${d.durationS} s)`,
    );
  if (d.result === "rolled-back")
    throw new LabError(
      `the deploy of ${d.version} was rolled back: ${d.reason}; ${d.from} runs now (rollback took ${d.rollbackS ?? "?"} s after the failure was visible${d.restoredS != null ? `, every replica back after ${d.restoredS} s` : ""})`,
      "npm run lab:logs -- app --since 10m shows the new version's logs",
    );
  if (d.result === "failed")
    throw new LabError(
      `the deploy of ${d.version} failed: ${d.reason}`,
      "the running version was not changed",
    );
}

async function withLab<T>(
  flags: ConfigFlags,
  what: string,
  body: (lab: RunningLab) => Promise<T>,
  lock = true,
): Promise<T> {
  const release = lock ? takeOperationLock(what) : () => {};
  try {
    await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
    await requireHealthy(lab, 60_000);
    return await body(lab);
  } finally {
    release();
  }
}

/** Records the delivery and exports the KPIs, says what happened, fails unless the new version runs. */
async function report(lab: RunningLab, d: Delivery, flags: DeployFlags, log: Log): Promise<void> {
  recordDelivery(d);
  await exportKpis(lab, log);
  finish(d, flags.output === "json");
}

/** Retires the colour a blue/green deploy keeps warm (or left warm when interrupted). */
async function retireWarm(
  lab: RunningLab,
  warm: Colours,
  opts: DeployOptions,
  log: Log,
): Promise<void> {
  const s = await retire(lab, warm, opts, log);
  stdout(`retired ${warm.blueImage}: ${warm.greenImage} runs on the app service (${s} s)`);
}

/** The colours a blue/green deploy keeps warm, for --retire; refused when there are none. */
function warmToRetire(): Colours {
  const warm = readColours();
  if (!warm)
    throw new LabError(
      "no colour is kept warm: nothing to retire",
      "--retire finishes a blue/green deploy (npm run lab:deploy -- --strategy blue-green)",
      EXIT.usage,
    );
  return warm;
}

export function registerDeploy(program: Command): void {
  withConfigOptions(
    program
      .command("deploy")
      .description(
        "deploy a new version of the app (the working tree, or --image) with automatic rollback",
      ),
  )
    .addOption(
      new Option(
        "--strategy <strategy>",
        "how tasks are replaced (default: deploy.strategy)",
      ).choices([...STRATEGIES]),
    )
    .option(
      "--image <ref>",
      "an image on this machine's engine, instead of building the working tree",
    )
    .option("--watch <s>", "seconds of probes after the rollout (default: deploy.watchS)", integer)
    .addOption(outputOption())
    .option(
      "--warm <s>",
      "blue-green: seconds the old colour is kept warm before it is retired (default: deploy.warmS)",
      integer,
    )
    .option("--retire", "blue-green: retire the colour kept warm now, keeping the new version")
    .action(async (flags: DeployFlags) => {
      const config = loadConfig(flags.config, configInput(flags));
      const log = consoleLog(false, flags.output === "json");
      const strategy = flags.strategy ?? config.deploy.strategy;
      const warmS = flags.warm ?? config.deploy.warmS;
      const opts = (commit?: Awaited<ReturnType<typeof headCommit>>): DeployOptions =>
        deployOptions(config.deploy, "deploy", commit, flags.watch ?? config.deploy.watchS);
      if (flags.retire) {
        const warm = warmToRetire();
        return withLab(flags, "lab:deploy --retire", (lab) => retireWarm(lab, warm, opts(), log));
      }
      refuseWhileWarm();
      await withLab(flags, "lab:deploy", async (lab) => {
        const from = await runningVersion(lab);
        const set = imageSetOf(from) ?? (config.images === "official" ? "official" : "offline");
        const image = await shipToNodes(
          lab,
          flags.image ? await givenImage(lab, flags.image) : await buildWorkingTree(lab, set),
        );
        const o = opts(flags.image ? undefined : await headCommit());
        if (strategy === "rolling")
          return report(lab, await deployRolling(lab, image, o, log), flags, log);
        const d = await deployBlueGreen(lab, image, { ...o, warmS }, log);
        await report(lab, d, flags, log);
        if (d.result !== "succeeded") return;
        const next = await keepWarm(log);
        const warm = readColours();
        if (next === "rolled-back" || !warm)
          return stdout(`lab:rollback switched back to ${d.from} while it was kept warm`);
        await retireWarm(lab, warm, o, log);
      });
    });

  withConfigOptions(
    program
      .command("rollback")
      .description("go back to the version that ran before the last successful deploy"),
  )
    .addOption(outputOption())
    .action(async (flags: DeployFlags) => {
      const config = loadConfig(flags.config, configInput(flags));
      const log = consoleLog(false, flags.output === "json");
      const warm = readColours();
      if (warm?.phase === "warm") {
        // The deploy keeping it warm holds the operation lock and sees the switch back.
        return withLab(
          flags,
          "lab:rollback",
          async (lab) => report(lab, await switchBack(lab, warm, log), flags, log),
          false,
        );
      }
      if (warm)
        throw new LabError(
          `the colour kept warm (${warm.blueImage}) is being retired (blue rolled to ${warm.greenImage})`,
          "wait for the deploy to end, or run npm run lab:deploy -- --retire if it was interrupted; then npm run lab:rollback rolls back as usual",
          EXIT.usage,
        );
      await withLab(flags, "lab:rollback", async (lab) => {
        const running = await runningVersion(lab);
        const last = readDeliveries()
          .filter((x) => x.result === "succeeded" && x.version === running)
          .at(-1);
        if (!last)
          throw new LabError(
            `nothing to roll back to: no successful deploy or rollback recorded brought ${running}`,
            "lab:rollback undoes the last lab:deploy; deploy a version first (npm run lab:deploy)",
            EXIT.usage,
          );
        const from = await shipToNodes(lab, last.from);
        const d = await deployRolling(lab, from, deployOptions(config.deploy, "rollback"), log);
        await report(lab, d, flags, log);
      });
    });

  withConfigOptions(
    program
      .command("kpi")
      .description("delivery KPIs (DORA) from the recorded deploys and rollbacks"),
  )
    .option("--window <duration>", "how far back (s, m, h, d)", "30d")
    .option(
      "--incident-window <duration>",
      "an alert firing this long after a deploy makes it a failed change",
      "1h",
    )
    .addOption(outputOption())
    .action(
      async (flags: ConfigFlags & { window: string; incidentWindow: string; output: string }) => {
        const windowS = parseSince(flags.window);
        const incidentS = parseSince(flags.incidentWindow);
        let incidents: Incident[] = [];
        let incidentSource = "the lab's alert receiver";
        try {
          await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
          incidents = await readIncidents(lab);
          await exportKpis(lab, consoleLog(false, true));
        } catch (err) {
          incidentSource = `none (${(err as Error).message.split("\n")[0]}): failures are rollbacks and failed deploys only`;
        }
        const kpis = computeKpis(
          readDeliveries(),
          incidents,
          new Date(),
          windowS / 86_400,
          incidentS / 60,
        );
        if (flags.output === "json")
          return printJson({ ...kpis, incidentSource, definitions: DEFINITIONS });
        stdout(
          table(
            ["KPI", "value", "DORA band"],
            [
              [
                "deployment frequency",
                `${kpis.deploymentsPerWeek} a week (${kpis.deployments} deploys)`,
                kpis.deploymentFrequency,
              ],
              [
                "lead time for changes",
                kpis.leadTimeHours === null ? "no data" : `${kpis.leadTimeHours} h (median)`,
                kpis.leadTime,
              ],
              [
                "change failure rate",
                kpis.changeFailureRate === null
                  ? "no data"
                  : `${(kpis.changeFailureRate * 100).toFixed(1)}% (${kpis.failedChanges} of ${kpis.deployments})`,
                kpis.changeFailure,
              ],
              [
                "time to restore",
                kpis.timeToRestoreMinutes === null
                  ? "no data"
                  : `${kpis.timeToRestoreMinutes} min (median)`,
                kpis.timeToRestore,
              ],
            ],
          ),
        );
        stdout(`window: ${kpis.from} to ${kpis.to}; incidents from ${incidentSource}`);
      },
    );
}
