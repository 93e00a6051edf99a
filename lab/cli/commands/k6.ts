/**
 * `lab k6 PROFILE`: the TypeScript k6 scripts in tests/k6 against the running lab, with the
 * upstream k6 image. Offline it cannot run (k6 is AGPL, not to be had here) and says so.
 */

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { DRILLS } from "../../drills/index.js";
import { EXIT, LabError } from "../../errors.js";
import {
  K6_IMAGE,
  K6_OFFLINE_HINT,
  K6_PROFILES,
  K6_THRESHOLDS_FAILED,
  k6DockerArgs,
  k6Profile,
} from "../../k6/plan.js";
import { connectLab } from "../../running/lab.js";
import { systemClock } from "../../runtime/clock.js";
import { hostEngine } from "../../runtime/docker.js";
import { run, runAttached } from "../../runtime/exec.js";
import { stdout } from "../../runtime/log.js";
import { REPO_ROOT, statePaths } from "../../state/paths.js";
import { upstreamReachable } from "../../steps/images.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";

interface K6Flags extends ConfigFlags {
  during?: string;
  after: number;
}

async function k6Image(): Promise<void> {
  const present =
    (await hostEngine()
      .images.find(K6_IMAGE)
      .catch(() => undefined)) !== undefined;
  if (present) return;
  if (!(await upstreamReachable()))
    throw new LabError(
      `k6 cannot run here: ${K6_IMAGE} is not on this engine and Docker Hub does not answer`,
      K6_OFFLINE_HINT,
      EXIT.usage,
    );
  await run("docker", ["pull", "--quiet", K6_IMAGE], { hint: K6_OFFLINE_HINT });
}

export function registerK6(program: Command): void {
  withConfigOptions(
    program
      .command("k6")
      .argument("<profile>", `one of: ${K6_PROFILES.join(", ")} (tests/k6/<profile>.ts)`)
      .description("run a k6 load profile against the lab (upstream k6 image; not offline)"),
  )
    .option("--during <drill>", "start this drill while k6 runs (e.g. db-primary with failover)")
    .option(
      "--after <s>",
      "with --during: seconds of k6 traffic before the drill starts",
      integer,
      20,
    )
    .action(async (name: string, flags: K6Flags) => {
      const profile = k6Profile(name);
      if (flags.during !== undefined && !DRILLS[flags.during])
        throw new LabError(
          `unknown drill "${flags.during}"`,
          `choose one of: ${Object.keys(DRILLS).join(", ")}`,
          EXIT.usage,
        );
      const config = loadConfig(flags.config, configInput(flags));
      const paths = statePaths();
      await k6Image(); // first: offline, that is the answer whatever state the lab is in
      {
        await using _lab = await connectLab(config); // refuses when the lab is not running
      }
      if (!existsSync(paths.appAdminPassword))
        throw new LabError(
          `no admin password at ${paths.appAdminPassword}`,
          "npm run lab:up",
          EXIT.notRunning,
        );
      const reportsDir = join(REPO_ROOT, "reports");
      mkdirSync(reportsDir, { recursive: true });
      const args = k6DockerArgs({
        profile,
        domain: config.domain,
        bind: config.bind,
        httpsPort: config.ports.https,
        scriptsDir: join(REPO_ROOT, "tests/k6"),
        caCert: paths.caCert,
        adminPasswordFile: paths.appAdminPassword,
        reportsDir,
        stamp: new Date().toISOString().replaceAll(":", "-"),
      });
      const drill = flags.during
        ? systemClock
            .sleep(flags.after * 1000)
            .then(() =>
              run(process.execPath, [
                "--import",
                "tsx",
                join(REPO_ROOT, "lab/cli/main.ts"),
                "drill",
                flags.during as string,
                "--name",
                config.name,
              ]),
            )
        : Promise.resolve("");
      const [code, drillOut] = await Promise.all([runAttached("docker", args, {}), drill]);
      if (drillOut) stdout(`\n${flags.during} drill (run during k6):\n${drillOut}`);
      if (code === K6_THRESHOLDS_FAILED)
        throw new LabError(
          `k6 ${profile}: a threshold (a promise of the lab) failed; see the summary above and reports/k6-${profile}-*.json`,
        );
      if (code !== 0)
        throw new LabError(
          `k6 ${profile} ended with exit code ${code}, not a threshold: its own error is printed above`,
        );
    });
}
