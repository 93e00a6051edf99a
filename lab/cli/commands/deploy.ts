/** `lab deploy`, `lab rollback`, `lab kpi`: delivery of the app, and its DORA figures. */
import { type Command, Option } from "commander";
import { readAlerts } from "../../alerts/read.js";
import { loadConfig } from "../../config/load.js";
import { connectLab, type RunningLab } from "../../core/running.js";
import { computeKpis, DEFINITIONS, type Incident } from "../../deploy/kpi.js";
import { type Delivery, deployOptions, imageSetOf, STRATEGIES } from "../../deploy/plan.js";
import { deployRolling, runningVersion } from "../../deploy/rolling.js";
import { buildWorkingTree, givenImage, headCommit, shipToNodes } from "../../deploy/versions.js";
import { requireHealthy } from "../../drills/run.js";
import { EXIT, LabError } from "../../errors.js";
import { parseSince } from "../../logs/query.js";
import { consoleLog } from "../../runtime/log.js";
import { readDeliveries, recordDelivery } from "../../state/deliveries.js";
import { takeOperationLock } from "../../state/lock.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

interface DeployFlags extends ConfigFlags {
  strategy?: string;
  image?: string;
  watch?: number;
  output: string;
}

/** Says what happened and fails (exit 1) unless the new version runs. */
function finish(d: Delivery, json: boolean): void {
  if (json) printJson(d);
  else if (d.result === "succeeded")
    console.log(
      `${d.kind === "rollback" ? "rolled back" : "deployed"}: ${d.version} runs on every task (${d.durationS} s)`,
    );
  if (d.result === "rolled-back")
    throw new LabError(
      `the deploy of ${d.version} was rolled back: ${d.reason}; ${d.from} runs now (rollback took ${d.rollbackS ?? "?"} s after the failure was visible)`,
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
): Promise<T> {
  const release = takeOperationLock(what);
  try {
    await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
    await requireHealthy(lab, 60_000);
    return await body(lab);
  } finally {
    release();
  }
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
    .action(async (flags: DeployFlags) => {
      const config = loadConfig(flags.config, configInput(flags));
      const log = consoleLog(false, flags.output === "json");
      const d = await withLab(flags, "lab:deploy", async (lab) => {
        const from = await runningVersion(lab);
        const set = imageSetOf(from) ?? (config.images === "official" ? "official" : "offline");
        const image = flags.image
          ? await givenImage(lab, flags.image)
          : await buildWorkingTree(lab, set);
        await shipToNodes(lab, image);
        return deployRolling(
          lab,
          image,
          deployOptions(
            config.deploy,
            "deploy",
            flags.image ? undefined : await headCommit(),
            flags.watch ?? config.deploy.watchS,
          ),
          log,
        );
      });
      recordDelivery(d);
      finish(d, flags.output === "json");
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
      const d = await withLab(flags, "lab:rollback", async (lab) => {
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
        await shipToNodes(lab, last.from);
        return deployRolling(lab, last.from, deployOptions(config.deploy, "rollback"), log);
      });
      recordDelivery(d);
      finish(d, flags.output === "json");
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
          const { notifications } = await readAlerts(lab);
          incidents = notifications
            .filter((n) => n.status === "firing" && n.labels.severity === "critical")
            .map((n) => ({ at: n.startsAt, name: n.alertname }));
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
        console.log(
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
        console.log(`window: ${kpis.from} to ${kpis.to}; incidents from ${incidentSource}`);
      },
    );
}
