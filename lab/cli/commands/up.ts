/** `lab up`: create or converge the lab, then print where everything is. */
import type { Command } from "commander";
import { loadConfig, loadTrainer } from "../../config/load.js";
import { exportKpis } from "../../deploy/export.js";
import { makeDriver } from "../../drivers/index.js";
import { EXIT, LabError } from "../../errors.js";
import { labUrls } from "../../plan/urls.js";
import { takeDown } from "../../running/down.js";
import { connectLab } from "../../running/lab.js";
import { hostEngine, requireEngine } from "../../runtime/docker.js";
import { consoleLog, stderr, stdout } from "../../runtime/log.js";
import { statePaths } from "../../state/paths.js";
import { DASHBOARD_USER } from "../../state/secrets.js";
import type { UpContext } from "../../steps/context.js";
import { UP_STEPS } from "../../steps/index.js";
import { runSteps } from "../../steps/run.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { type OutputFormat, outputOption, table } from "../print.js";
import { dryRunPlan, printPlan } from "./plan-print.js";

interface UpFlags extends ConfigFlags {
  retain?: boolean;
  imagesFrom?: string;
  ca?: string;
  dryRun?: boolean;
  output: OutputFormat;
  verbose?: boolean;
}

export function registerUp(program: Command): void {
  withConfigOptions(
    program.command("up").description("create the lab, or bring it back to its configuration"),
  )
    .option("--retain", "on failure, keep what was created (for debugging) instead of removing it")
    .option(
      "--dry-run",
      "print the plan (images, nodes, entry point, rendered stack; -o json: all of it) and change nothing",
    )
    .option(
      "--images-from <host:port>",
      "load the offline images from a trainer's `lab images serve` instead of building them",
    )
    .option("--ca <file>", "with --images-from: the trainer's lab CA (its .lab/ca/ca.crt)")
    .option("-v, --verbose", "print details")
    .addOption(outputOption())
    .action(async (flags: UpFlags) => {
      const config = loadConfig(flags.config, configInput(flags));
      loadTrainer(flags.imagesFrom, flags.ca); // bad flags refused before the dry run too
      if (flags.dryRun) return printPlan(dryRunPlan(config), flags.output);
      const host = hostEngine();
      const driver = makeDriver(config, host);
      // Whether a lab exists decides whether a failure may remove what is there: not knowing
      // must stop the command, never count as "no lab".
      await requireEngine(host);
      const existed = await driver.list().then(
        (nodes) => nodes.length > 0,
        (err: Error) => {
          throw new LabError(
            `cannot list this lab's nodes (${err.message}): nothing was created or removed`,
            "check the engine (`docker ps` must answer) and run the command again",
          );
        },
      );
      const trainer = loadTrainer(flags.imagesFrom, flags.ca);
      const ctx: UpContext = {
        config,
        log: consoleLog(flags.verbose),
        host,
        driver,
        ...(trainer ? { trainer } : {}),
      };
      try {
        await runSteps(UP_STEPS, ctx);
      } catch (err) {
        if (
          !existed &&
          !flags.retain &&
          // Bad input, no engine, a taken port: refused before anything was created.
          !(
            err instanceof LabError &&
            ([EXIT.usage, EXIT.noEngine, EXIT.portTaken] as number[]).includes(err.exitCode)
          )
        ) {
          stderr("lab:up failed: removing what it created (use --retain to keep it for debugging)");
          await takeDown(host, driver, config.name, { keepImages: true, purge: false }).catch(
            () => undefined,
          );
        }
        throw err;
      }
      // The delivery KPIs from the recorded history (kept by down), for the Delivery dashboard.
      await (async () => {
        await using lab = await connectLab(config);
        await exportKpis(lab, ctx.log);
      })().catch((err: Error) => ctx.log.warn(`delivery KPIs not exported: ${err.message}`));
      const urls = labUrls(config, ctx.imageSet);
      const p = statePaths();
      stdout(`\nThe lab is up (image set: ${ctx.imageSet}, ${ctx.imageReason}).`);
      stdout(
        table(
          ["what", "where"],
          [
            ["API", urls.app],
            ["API docs", urls.docs],
            ["Traefik dashboard", urls.traefik],
            ["Prometheus", urls.prometheus],
            ["Alertmanager (API; npm run lab:alerts)", urls.alerts],
            ...(urls.logs ? [["Logs (VictoriaLogs)", urls.logs]] : []),
            ...(urls.grafana
              ? [["Grafana", `${urls.grafana}  (admin / password in ${p.grafanaAdminPassword})`]]
              : []),
            ["dashboard login", `${DASHBOARD_USER} / password in ${p.dashboardPassword}`],
            ["API admin login", `admin@${config.domain} / password in ${p.appAdminPassword}`],
            ["lab CA (trust it)", p.caCert],
          ],
        ),
      );
      if (config.driver !== "dind") {
        stdout(
          `The entry is Traefik on each node's 443/80: point ${config.domain}'s names at a node (${(ctx.nodes ?? []).map((n) => n.address).join(", ")}) in DNS, a load balancer or /etc/hosts.`,
        );
      } else if (config.domain.endsWith(".localhost")) {
        stdout(
          "curl and browsers resolve *.localhost to 127.0.0.1 by themselves; other programs may need /etc/hosts entries.",
        );
      }
    });
}
