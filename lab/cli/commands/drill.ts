/** `lab drill <name>`: a real fault under real load, measured; exits non-zero when it fails. */
import { type Command, Option } from "commander";
import { loadConfig } from "../../config/load.js";
import { STRATEGIES, type Strategy } from "../../deploy/plan.js";
import { DRILLS } from "../../drills/index.js";
import { runDrill } from "../../drills/run.js";
import { NOT_INJECTED } from "../../drills/scenario.js";
import { EXIT, LabError } from "../../errors.js";
import { connectLab } from "../../running/lab.js";
import { systemClock } from "../../runtime/clock.js";
import { consoleLog, stderr, stdout } from "../../runtime/log.js";
import { takeOperationLock } from "../../state/lock.js";
import { sources } from "../../watch/collect.js";
import { loadView } from "../../watch/lazy.js";
import { WatchStore } from "../../watch/store.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";
import { outputOption, printJson } from "../print.js";

interface DrillFlags extends ConfigFlags {
  runs: number;
  duration?: number;
  faultAt?: number;
  writers?: number;
  readers?: number;
  node?: number;
  off?: number;
  signal?: "KILL" | "TERM";
  broken?: boolean;
  expand?: boolean;
  strategy?: string;
  output: string;
  watch?: boolean;
}

export function registerDrill(program: Command): void {
  withConfigOptions(
    program
      .command("drill")
      .argument("<name>", `one of: ${Object.keys(DRILLS).join(", ")}`)
      .description("inject a fault under load and report downtime, failed requests, lost writes"),
  )
    .option("--runs <n>", "repeat and summarise (median, worst)", integer, 1)
    .option("--duration <s>", "seconds of traffic", integer)
    .option("--fault-at <s>", "seconds of traffic before the fault", integer)
    .option("--writers <n>", "concurrent writers", integer)
    .option("--readers <n>", "concurrent readers", integer)
    .option("--node <index>", "node-down: which node (default: the database node)", integer)
    .option(
      "--off <s>",
      "node-down: seconds the node stays off (80+ also checks NodeDown and inhibition)",
      integer,
    )
    .addOption(
      new Option("--signal <signal>", "app-replica: KILL (crash) or TERM (graceful stop)").choices([
        "KILL",
        "TERM",
      ]),
    )
    .option("--broken", "deploy: a version whose readiness fails (it must be rolled back)")
    .option(
      "--expand",
      "deploy: the new version carries the example expand migration (a new column; undone afterwards)",
    )
    .addOption(
      new Option("--strategy <strategy>", "deploy: how tasks are replaced").choices([
        ...STRATEGIES,
      ]),
    )
    .option("--watch", "show the live view (npm run lab:watch) with the drill's phases and traffic")
    .addOption(outputOption())
    .action(async (name: string, flags: DrillFlags) => {
      if (!DRILLS[name])
        throw new LabError(
          `unknown drill "${name}"`,
          `choose one of: ${Object.keys(DRILLS).join(", ")}`,
          EXIT.usage,
        );
      if (flags.runs < 1) throw new LabError("--runs must be at least 1", undefined, EXIT.usage);
      if (flags.expand && name !== "deploy")
        throw new LabError(
          `--expand is for the deploy drill, not ${name}`,
          "npm run lab:drill -- deploy --strategy blue-green --expand",
          EXIT.usage,
        );
      if (flags.expand && flags.broken)
        throw new LabError(
          "--expand and --broken together",
          "the broken version would be rolled back over the example's column: run them one at a time, npm run lab:drill -- deploy --expand, then npm run lab:drill -- deploy --broken",
          EXIT.usage,
        );
      const config = loadConfig(flags.config, configInput(flags));
      const release = takeOperationLock(`lab:drill ${name}`);
      await using lab = await connectLab(config);
      const controller = new AbortController();
      const stop = () => {
        stderr("\ninterrupted: stopping the traffic and restoring what the drill broke...");
        controller.abort();
      };
      process.once("SIGINT", stop);
      const store = flags.watch
        ? new WatchStore(`${config.name}, drill ${name}`, systemClock, "drill")
        : undefined;
      store?.start(sources(lab, systemClock, "drill"));
      const view = store && (await loadView()).showStore(store, stop, store.closed);
      try {
        const result = await runDrill(
          lab,
          name,
          flags.runs,
          {
            durationS: flags.duration,
            faultAtS: flags.faultAt,
            writers: flags.writers,
            readers: flags.readers,
            node: flags.node,
            offS: flags.off,
            signal: flags.signal,
            broken: flags.broken,
            expand: flags.expand,
            strategy: flags.strategy as Strategy | undefined,
          },
          store?.log() ?? consoleLog(false, flags.output === "json"),
          controller.signal,
          store && ((ok) => store.sample(ok)),
        );
        store?.close();
        await view;
        if (flags.output === "json") printJson(result.summary);
        else stdout(`\nreport: ${result.files.text} (JSON: ${result.files.json})`);
        if (controller.signal.aborted) {
          const untouched = result.runs.at(-1)?.events.some((e) => e.what === NOT_INJECTED);
          if (untouched)
            throw new LabError(
              "drill interrupted before its fault: nothing was injected, the lab was not touched",
              undefined,
              EXIT.interrupted,
            );
          throw new LabError(
            "drill interrupted; what it broke was restored",
            "npm run lab:status shows the lab whole again",
            EXIT.interrupted,
          );
        }
        if (result.summary.passed < result.summary.runs) {
          throw new LabError(
            `drill ${name}: ${result.summary.runs - result.summary.passed} of ${result.summary.runs} runs failed their checks`,
            `read ${result.files.text}`,
            EXIT.failure,
          );
        }
      } finally {
        store?.close();
        await view;
        process.removeListener("SIGINT", stop);
        release();
      }
    });
}
